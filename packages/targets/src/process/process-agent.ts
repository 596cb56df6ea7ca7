import { constants } from 'node:os';
import type { Observable } from 'rxjs';
import {
  InvalidArgumentError,
  TargetError,
  validateName,
  type Agent,
  type Event,
  type InvocationContext,
} from '@ferrite/core';
import { observeTurn } from '../internal/observe-turn.js';
import { abortError, turnSignal } from '../internal/abort.js';
import { substituteRecord } from '../internal/substitute-variables.js';
import { TurnLock } from '../internal/turn-lock.js';
import {
  deltaEvent,
  finalEvent,
  inputMessage,
  parseOutputMessage,
  preview,
  type TargetInputMessage,
} from '../protocol/target-message.js';
import { JsonlProcess } from './jsonl-process.js';

/** Configuration of a {@link ProcessAgent}. */
export interface ProcessAgentConfig {
  /** The agent's name in the agent tree (the author of its events). */
  name: string;
  /** What the agent does, for transfers and humans. */
  description?: string;
  /** The program and its arguments; run without a shell. */
  command: readonly string[];
  /** Working directory (default: the current one). */
  cwd?: string;
  /** Variables set over the parent's environment; `${VAR}` in a value is substituted from it. */
  env?: Readonly<Record<string, string>>;
  /** A stdout line matching this gates the first input; lines before it may be anything. */
  readyPattern?: string | RegExp;
  /** Limit for a whole turn, start-up included (default 120 000 ms). */
  timeoutMs?: number;
  /** Signal that asks the process to stop (default SIGTERM). */
  killSignal?: NodeJS.Signals;
  /** Wait after the kill signal before SIGKILL (default 5000 ms). */
  killTimeoutMs?: number;
  /** Keep one process for turn after turn (default false: one process per turn). */
  reuse?: boolean;
  /** Longest stdout line accepted, in bytes (default 1 MiB). */
  maxLineBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_KILL_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * An agent that is a program in any language, speaking JSONL over stdio: each turn writes an
 * `input` message to its stdin and reads `delta`, `final` or `error` messages from its stdout.
 *
 * @example
 * ```ts
 * const agent = new ProcessAgent({
 *   name: 'echo',
 *   command: ['node', 'agent.mjs'],
 *   readyPattern: /^READY$/,
 *   env: { API_KEY: '${OPENAI_API_KEY}' },
 *   reuse: true,
 * });
 * const runner = new Runner({ appName: 'app', agent, sessionService });
 * // ... later
 * await agent.close();
 * ```
 */
export class ProcessAgent implements Agent, AsyncDisposable {
  /** The agent's name in the agent tree. */
  readonly name: string;
  /** What the agent does. */
  readonly description: string;
  /** Always empty: the program behind the agent is one agent. */
  readonly subAgents: readonly Agent[] = [];
  /** Set by the runner when the agent sits under another one. */
  parentAgent?: Agent | undefined;
  readonly #config: Readonly<Required<Omit<ProcessAgentConfig, 'readyPattern' | 'cwd'>>> & {
    readonly readyPattern: RegExp | undefined;
    readonly cwd: string | undefined;
  };
  readonly #label: string;
  readonly #lock = new TurnLock();
  readonly #running = new Set<JsonlProcess>();
  #shared: JsonlProcess | undefined;
  #closed = false;

  constructor(config: ProcessAgentConfig) {
    this.name = validateName('ProcessAgent name', config.name);
    this.description = config.description ?? '';
    this.#label = `ProcessAgent "${this.name}"`;
    const command = config.command as unknown;
    if (
      !Array.isArray(command) ||
      command.length === 0 ||
      !command.every((part) => typeof part === 'string') ||
      command[0] === ''
    ) {
      throw new InvalidArgumentError(
        `${this.#label}: command must be a non-empty array of strings`,
      );
    }
    this.#config = Object.freeze({
      name: this.name,
      description: this.description,
      command: Object.freeze([...command]),
      cwd: config.cwd,
      env: Object.freeze({ ...config.env }),
      readyPattern: toPattern(config.readyPattern, this.#label),
      timeoutMs: positive(config.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs', this.#label),
      killSignal: toSignal(config.killSignal, this.#label),
      killTimeoutMs: positive(
        config.killTimeoutMs,
        DEFAULT_KILL_TIMEOUT_MS,
        'killTimeoutMs',
        this.#label,
      ),
      reuse: config.reuse ?? false,
      maxLineBytes: positive(
        config.maxLineBytes,
        DEFAULT_MAX_LINE_BYTES,
        'maxLineBytes',
        this.#label,
      ),
    });
  }

  /** The process id of the reused process, when one is running. */
  get pid(): number | undefined {
    return this.#shared?.usable ? this.#shared.pid : undefined;
  }

  /** Runs one turn: sends the user's message and streams the answer back as events. */
  run(context: InvocationContext): Observable<Event> {
    return observeTurn(context, (signal, emit) => this.#turn(context, signal, emit));
  }

  /** Stops the reused process and any process still serving a turn; later turns fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#shared = undefined;
    await Promise.all([...this.#running].map((child) => child.stop()));
  }

  /** Same as {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #turn(
    context: InvocationContext,
    signal: AbortSignal,
    emit: (event: Event) => void,
  ): Promise<void> {
    if (this.#closed) throw new TargetError(`${this.#label}: the agent is closed`);
    if (signal.aborted) throw abortError(signal, this.#label);
    const message = inputMessage(context);
    if (!this.#config.reuse) {
      const child = this.#start();
      let failed = false;
      let failure: unknown;
      try {
        await this.#exchange(child, message, signal, emit);
      } catch (error) {
        failed = true;
        failure = error;
      }
      // The turn settles only once the process is gone, and then its whole stderr is known.
      await child.stop();
      if (failed) throw child.withFinalTail(failure);
      return;
    }
    const release = await this.#lock.acquire(signal).catch(() => {
      throw abortError(signal, this.#label);
    });
    try {
      if (this.#closed) throw new TargetError(`${this.#label}: the agent is closed`);
      if (!this.#shared?.usable) {
        void this.#shared?.stop();
        this.#shared = this.#start();
      }
      const child = this.#shared;
      child.setIdle(false);
      try {
        await this.#exchange(child, message, signal, emit);
        child.setIdle(true);
      } catch (error) {
        // A reported error leaves the process in step; anything else (timeout, cancel, bad
        // output, exit) may not, so the next turn gets a fresh process.
        if (reported.has(error as object)) {
          child.setIdle(true);
          throw error;
        }
        await child.stop();
        throw child.withFinalTail(error);
      }
    } finally {
      release();
    }
  }

  #start(): JsonlProcess {
    const env = {
      ...process.env,
      ...substituteRecord(this.#config.env, process.env, `${this.#label} env`),
    };
    const child = new JsonlProcess({
      label: this.#label,
      command: this.#config.command,
      cwd: this.#config.cwd,
      env,
      readyPattern: this.#config.readyPattern,
      maxLineBytes: this.#config.maxLineBytes,
      killSignal: this.#config.killSignal,
      killTimeoutMs: this.#config.killTimeoutMs,
    });
    this.#running.add(child);
    void child.exited.then(() => this.#running.delete(child));
    return child;
  }

  /** Sends the input once the process is ready and streams its answer until `final`. */
  #exchange(
    child: JsonlProcess,
    message: TargetInputMessage,
    parentSignal: AbortSignal,
    emit: (event: Event) => void,
  ): Promise<void> {
    const timeoutMs = this.#config.timeoutMs;
    const { signal, dispose } = turnSignal(parentSignal, timeoutMs, () =>
      child.error(
        `timed out after ${timeoutMs} ms waiting for ${child.ready ? 'a final message' : 'the ready line'} (after stdout line ${child.lineNumber})`,
      ),
    );
    let text = '';
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error): void => {
        child.detach();
        signal.removeEventListener('abort', onAbort);
        dispose();
        if (error) reject(error);
        else resolve();
      };
      const onAbort = (): void => finish(abortError(signal, this.#label));
      const send = (): void => child.send(message);
      child.attach({
        onReady: send,
        onFailure: (error) => finish(error),
        onLine: (line, lineNumber) => {
          const parsed = parseOutputMessage(line);
          if (parsed === undefined) {
            return finish(
              child.error(`stdout line ${lineNumber} is not a JSON message: ${preview(line)}`),
            );
          }
          if (parsed.type === 'delta') {
            if (parsed.delta === '') return;
            text += parsed.delta;
            emit(deltaEvent(this.name, parsed.delta));
          } else if (parsed.type === 'final') {
            emit(finalEvent(this.name, parsed.output ?? text));
            finish();
          } else if (parsed.type === 'error') {
            const error = new TargetError(
              `${this.#label}: the process reported an error (stdout line ${lineNumber}): ${parsed.error}`,
              parsed.code === undefined ? {} : { targetCode: parsed.code },
            );
            reported.add(error);
            finish(error);
          }
        },
      });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (child.failure) return finish(child.failure);
      if (child.ready) send();
    });
  }
}

/** Errors the target itself reported (`{"type":"error"}`): the process stays usable after them. */
const reported = new WeakSet<object>();

function toPattern(pattern: string | RegExp | undefined, label: string): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    // Without the global or sticky flags, test() keeps no state between lines.
    return typeof pattern === 'string'
      ? new RegExp(pattern)
      : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  } catch (error) {
    throw new InvalidArgumentError(`${label}: readyPattern is not a valid regular expression`, {
      cause: error,
    });
  }
}

function toSignal(signal: NodeJS.Signals | undefined, label: string): NodeJS.Signals {
  if (signal === undefined) return 'SIGTERM';
  if (!(signal in constants.signals)) {
    throw new InvalidArgumentError(
      `${label}: killSignal ${JSON.stringify(signal)} is not a signal`,
    );
  }
  return signal;
}

function positive(value: number | undefined, fallback: number, key: string, label: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new InvalidArgumentError(`${label}: ${key} must be a positive number`);
  }
  return value;
}
