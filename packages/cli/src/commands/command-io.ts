import type { Readable, Writable } from 'node:stream';

/** What a command talks through: the process's streams and signals by default. */
export interface CommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Emits `SIGTERM` and `SIGINT`. */
  readonly signals: NodeJS.EventEmitter;
  /** What relative paths (the module, `file:` artifacts) are resolved against. */
  readonly cwd: string;
}

/**
 * Resolves with the first `SIGTERM` or `SIGINT`; later ones are ignored (a drain in progress
 * goes on), but stay handled so they never kill the process mid-drain.
 */
export function nextStopSignal(signals: NodeJS.EventEmitter): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const on = (signal: string) => (): void => {
      if (received) return;
      received = true;
      resolve(signal);
    };
    signals.on('SIGTERM', on('SIGTERM'));
    signals.on('SIGINT', on('SIGINT'));
  });
}
