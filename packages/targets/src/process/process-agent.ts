import { constants } from 'node:os';
import { InvalidArgumentError, TargetError, type InvocationContext } from '@ferrite/core';
import { abortError, turnSignal } from '../internal/abort.js';
import { exchangeMessages } from '../internal/exchange-messages.js';
import { substituteRecord } from '../internal/substitute-variables.js';
import { TargetAgent, type TargetAgentConfig } from '../internal/target-agent.js';
import type { TargetReply } from '../internal/target-reply.js';
import { TurnLock } from '../internal/turn-lock.js';
import { inputMessage, type TargetInputMessage } from '../protocol/target-message.js';
import { JsonlProcess } from './jsonl-process.js';

/** Configuration of a {@link ProcessAgent}. */
export interface ProcessAgentConfig extends TargetAgentConfig {
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
export class ProcessAgent extends TargetAgent implements AsyncDisposable {
  readonly #config: Readonly<
    Required<Omit<ProcessAgentConfig, 'readyPattern' | 'cwd' | 'maxOutputChars'>>
  > & {
    readonly readyPattern: RegExp | undefined;
    readonly cwd: string | undefined;
  };
  readonly #lock = new TurnLock();
  readonly #running = new Set<JsonlProcess>();
  #shared: JsonlProcess | undefined;
  #closed = false;

  constructor(config: ProcessAgentConfig) {
    super('ProcessAgent', config);
    const command = config.command as unknown;
    if (
      !Array.isArray(command) ||
      command.length === 0 ||
      !command.every((part) => typeof part === 'string') ||
      command[0] === ''
    ) {
      throw new InvalidArgumentError(`${this.label}: command must be a non-empty array of strings`);
    }
    this.#config = Object.freeze({
      name: this.name,
      description: this.description,
      command: Object.freeze([...command]),
      cwd: config.cwd,
      env: Object.freeze({ ...config.env }),
      readyPattern: toPattern(config.readyPattern, this.label),
      timeoutMs: positive(config.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs', this.label),
      killSignal: toSignal(config.killSignal, this.label),
      killTimeoutMs: positive(
        config.killTimeoutMs,
        DEFAULT_KILL_TIMEOUT_MS,
        'killTimeoutMs',
        this.label,
      ),
      reuse: config.reuse ?? false,
      maxLineBytes: positive(
        config.maxLineBytes,
        DEFAULT_MAX_LINE_BYTES,
        'maxLineBytes',
        this.label,
      ),
    });
  }

  /** The process id of the reused process, when one is running. */
  get pid(): number | undefined {
    return this.#shared?.usable ? this.#shared.pid : undefined;
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

  protected async turn(
    context: InvocationContext,
    signal: AbortSignal,
    reply: TargetReply,
  ): Promise<void> {
    if (this.#closed) throw this.closedError();
    if (signal.aborted) throw abortError(signal, this.label);
    const message = inputMessage(context);
    if (!this.#config.reuse) {
      const child = this.#start();
      let failed = false;
      let failure: unknown;
      try {
        await this.#exchange(child, message, signal, reply);
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
      throw abortError(signal, this.label);
    });
    try {
      if (this.#closed) throw this.closedError();
      if (!this.#shared?.usable) {
        void this.#shared?.stop();
        this.#shared = this.#start();
      }
      const child = this.#shared;
      child.setIdle(false);
      try {
        await this.#exchange(child, message, signal, reply);
        child.setIdle(true);
      } catch (error) {
        // A reported error leaves the process in step; anything else (timeout, cancel, bad
        // output, exit) may not, so the next turn gets a fresh process.
        if (TargetError.isInstance(error) && error.reportedByTarget) {
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
      ...substituteRecord(this.#config.env, process.env, `${this.label} env`),
    };
    const child = new JsonlProcess({
      label: this.label,
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
  async #exchange(
    child: JsonlProcess,
    message: TargetInputMessage,
    parentSignal: AbortSignal,
    reply: TargetReply,
  ): Promise<void> {
    const timeoutMs = this.#config.timeoutMs;
    const { signal, dispose } = turnSignal(parentSignal, timeoutMs, () =>
      child.error(
        `timed out after ${timeoutMs} ms waiting for ${child.ready ? 'a final message' : 'the ready line'} (after stdout line ${child.lineNumber})`,
      ),
    );
    const send = (): void => child.send(message);
    reply.buildErrorsWith((problem) => child.error(problem));
    try {
      await exchangeMessages({
        reply,
        signal,
        label: this.label,
        peer: 'process',
        badMessage: (problem) => child.error(problem),
        open: (listener) => {
          child.attach({
            onReady: send,
            onFailure: (error) => listener.fail(error),
            onLine: (line, lineNumber) => listener.message(line, `stdout line ${lineNumber}`),
          });
          if (child.failure) listener.fail(child.failure);
          else if (child.ready) send();
          return () => child.detach();
        },
      });
    } finally {
      dispose();
    }
  }
}

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
