import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { TargetError } from '@ferrite/core';
import { BoundedTail } from '../internal/bounded-tail.js';
import { parseOutputMessage, preview } from '../protocol/target-message.js';
import { LineSplitter } from './line-splitter.js';

/** Characters of stderr kept for error messages. */
const STDERR_TAIL_CHARS = 4096;

/** What a {@link JsonlProcess} needs to start and stop a child. */
export interface JsonlProcessConfig {
  /** How errors name the agent, e.g. `ProcessAgent "echo"`. */
  label: string;
  /** The program and its arguments, spawned without a shell. */
  command: readonly string[];
  /** Working directory, or undefined for the current one. */
  cwd: string | undefined;
  /** The whole environment of the child (already merged and substituted). */
  env: NodeJS.ProcessEnv;
  /** A stdout line matching this marks the process ready; undefined means ready at once. */
  readyPattern: RegExp | undefined;
  /** Longest stdout line accepted, in bytes. */
  maxLineBytes: number;
  /** Signal sent first when stopping. */
  killSignal: NodeJS.Signals;
  /** Wait after `killSignal` before SIGKILL. */
  killTimeoutMs: number;
}

/** Options of the errors a {@link JsonlProcess} builds. */
interface ErrorOptions {
  cause?: unknown;
  targetCode?: string;
}

/** Receives what the process says during a turn. */
export interface ProcessListener {
  /** The ready line was seen (only called when it arrives while this listener is attached). */
  onReady(): void;
  /** A non-blank stdout line after readiness, with its 1-based line number. */
  onLine(line: string, lineNumber: number): void;
  /** The process can no longer serve: it exited, failed to start or sent an overlong line. */
  onFailure(error: TargetError): void;
}

const live = new Set<JsonlProcess>();
let exitHookInstalled = false;

/**
 * One child process speaking JSONL over stdio: spawns it (no shell, in its own process group),
 * splits stdout into bounded lines, watches for the ready line, keeps a stderr tail, and stops
 * it with the configured signal, then SIGKILL, always waiting until it has exited.
 */
export class JsonlProcess {
  readonly #options: JsonlProcessConfig;
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #splitter: LineSplitter;
  readonly #stderr = new BoundedTail(STDERR_TAIL_CHARS);
  readonly #exited: Promise<void>;
  readonly #closed: Promise<void>;
  readonly #group: boolean;
  readonly #errors = new WeakMap<object, { message: string; options: ErrorOptions }>();
  #markExited!: () => void;
  #markClosed!: () => void;
  #hasExited = false;
  #hasClosed = false;
  #ready: boolean;
  #lineNumber = 0;
  #failure: TargetError | undefined;
  #listener: ProcessListener | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: JsonlProcessConfig) {
    this.#options = options;
    this.#ready = options.readyPattern === undefined;
    this.#exited = new Promise((resolve) => (this.#markExited = resolve));
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve));
    this.#group = process.platform !== 'win32';
    const [file, ...args] = options.command;
    this.#splitter = new LineSplitter(
      options.maxLineBytes,
      (line) => this.#onLine(line),
      () => this.#onOverflow(),
    );
    this.#child = spawn(file!, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: 'pipe',
      detached: this.#group,
      windowsHide: true,
    });
    const child = this.#child;
    child.stdout.on('data', (chunk: Buffer) => this.#splitter.push(chunk));
    child.stdout.on('end', () => this.#splitter.end());
    child.stderr.on('data', (chunk: Buffer) => this.#stderr.write(chunk));
    // A write to a process that is gone fails with EPIPE; its exit is what gets reported.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      if (child.pid !== undefined) return this.#fail(`process error: ${error.message}`, error);
      this.#setExited();
      const where = options.cwd === undefined ? '' : ` in ${preview(options.cwd)}`;
      this.#fail(`could not start ${preview(file!)}${where}: ${error.message}`, error);
    });
    child.on('exit', () => this.#setExited());
    child.on('close', (code, signal) => {
      this.#setExited();
      this.#hasClosed = true;
      this.#markClosed();
      const how = signal === null ? `with code ${String(code)}` : `on ${signal}`;
      const when = this.#ready ? 'before sending a final message' : 'before its ready line';
      this.#fail(`the process exited ${how} ${when} (after stdout line ${this.#lineNumber})`);
    });
    if (child.pid !== undefined) {
      live.add(this);
      installExitHook();
    }
  }

  /** The child's process id (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Resolves once the process has exited (or could not be started). */
  get exited(): Promise<void> {
    return this.#exited;
  }

  /** True once the ready line was seen (always true without a ready pattern). */
  get ready(): boolean {
    return this.#ready;
  }

  /** True while the process can serve turns. */
  get usable(): boolean {
    return this.#failure === undefined && this.#stopping === undefined && !this.#hasExited;
  }

  /** The failure that ended this process's usefulness, if any. */
  get failure(): TargetError | undefined {
    return this.#failure;
  }

  /** Stdout lines read so far. */
  get lineNumber(): number {
    return this.#lineNumber;
  }

  /** Builds a TargetError naming the agent, with the stderr tail appended. */
  error(message: string, options: ErrorOptions = {}): TargetError {
    const error = this.#build(message, options);
    this.#errors.set(error, { message, options });
    return error;
  }

  /**
   * The same failure with the stderr tail as it stands now. A program often writes its
   * traceback to stderr just as it fails on stdout, so once the process has stopped (and its
   * stderr is read to the end) the error is rebuilt to show the whole tail. Errors this process
   * did not build are returned as they are.
   */
  withFinalTail(error: unknown): unknown {
    const origin = this.#errors.get(error as object);
    return origin === undefined ? error : this.#build(origin.message, origin.options);
  }

  #build(message: string, options: ErrorOptions): TargetError {
    const tail = this.#stderr.toString();
    const stderr = tail === '' ? ' (stderr was empty)' : `\nstderr tail:\n${tail}`;
    return new TargetError(`${this.#options.label}: ${message}${stderr}`, options);
  }

  /** Routes the process's output to `listener` until {@link detach}. */
  attach(listener: ProcessListener): void {
    this.#listener = listener;
  }

  /** Stops routing output to the listener; output between turns is then checked by the process. */
  detach(): void {
    this.#listener = undefined;
  }

  /** Writes one JSON message as a line on the process's stdin. */
  send(message: unknown): void {
    if (this.#child.stdin.writable) this.#child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /**
   * Lets the event loop exit while the process idles between turns (`idle = true`), so a
   * forgotten reused process never keeps a program alive; it is killed when the program exits.
   */
  setIdle(idle: boolean): void {
    const handles = [this.#child, this.#child.stdin, this.#child.stdout, this.#child.stderr] as {
      ref?: () => void;
      unref?: () => void;
    }[];
    for (const handle of handles) (idle ? handle.unref : handle.ref)?.call(handle);
  }

  /**
   * Stops the process: closes stdin, sends the kill signal to its process group, SIGKILL after
   * the kill timeout, and resolves once it has exited. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#splitter.stop();
    this.#child.stdin.end();
    const { killSignal, killTimeoutMs } = this.#options;
    if (!this.#hasExited) {
      this.#signal(killSignal);
      const escalation = setTimeout(() => this.#signal('SIGKILL'), killTimeoutMs);
      await this.#exited;
      clearTimeout(escalation);
    }
    if (this.#group && this.#child.pid !== undefined && !this.#hasClosed) {
      // The process is gone but something it started still holds its stdout or stderr: that
      // helper is in the process group, so it gets the same signal, then SIGKILL.
      signalGroup(this.#child.pid, killSignal);
      const escalation = setTimeout(() => signalGroup(this.#child.pid!, 'SIGKILL'), killTimeoutMs);
      await this.#closed;
      clearTimeout(escalation);
    }
    this.#child.stdout.destroy();
    this.#child.stderr.destroy();
    this.#child.stdin.destroy();
  }

  /** Sends a signal to the process group (so helpers it started go too), else to the child. */
  #signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.#hasExited) return;
    try {
      if (this.#group) process.kill(-pid, signal);
      else this.#child.kill(signal);
    } catch {
      this.#child.kill(signal);
    }
  }

  /** Kills at once, synchronously (the program is exiting). */
  killNow(): void {
    this.#signal('SIGKILL');
  }

  #setExited(): void {
    if (this.#hasExited) return;
    this.#hasExited = true;
    live.delete(this);
    this.#markExited();
  }

  #fail(message: string, cause?: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = this.error(message, { cause });
    this.#listener?.onFailure(this.#failure);
  }

  #onOverflow(): void {
    const line = this.#lineNumber + 1;
    this.#fail(`stdout line ${line} is longer than ${this.#options.maxLineBytes} bytes`);
    void this.stop();
  }

  #onLine(line: string): void {
    const lineNumber = ++this.#lineNumber;
    if (this.#failure !== undefined) return;
    if (!this.#ready) {
      if (this.#options.readyPattern?.test(line)) {
        this.#ready = true;
        this.#listener?.onReady();
      }
      return;
    }
    if (line.trim() === '') return;
    if (this.#listener) return this.#listener.onLine(line, lineNumber);
    // Output between turns means the process is out of step with us: stop it, so the next
    // turn starts a fresh one instead of reading a stale answer.
    if (parseOutputMessage(line)?.type === 'other') return;
    this.#fail(`unexpected output between turns on stdout line ${lineNumber}: ${preview(line)}`);
    void this.stop();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already empty.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.killNow();
  });
}
