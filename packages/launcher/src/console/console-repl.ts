import { randomUUID } from 'node:crypto';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { toFerriteError, userContent, type Content } from '@ferrite/core';
import type { Runner } from '@ferrite/runner';
import type { Subscription } from 'rxjs';
import { EventPrinter } from './event-printer.js';
import { askPendingConfirmations } from './pending-prompt.js';

/** Constructor input of {@link ConsoleRepl}. */
export interface ConsoleReplConfig {
  /** Runs each message as a turn. */
  runner: Runner;
  /** Messages, one per line (a terminal gets a prompt). */
  input: Readable;
  /** Where the streamed answers are written. */
  output: Writable;
  /** The user the session belongs to. */
  userId: string;
  /** A new session when absent. */
  sessionId?: string | undefined;
  /** Where Ctrl+C comes from besides the terminal (default `process`); null for none. */
  signals?: NodeJS.EventEmitter | null;
}

/**
 * The console chat: reads one message per line, streams the agent's answer, Ctrl+C cancels the
 * running turn and a second Ctrl+C (or `/exit`, or the end of input) leaves.
 */
export class ConsoleRepl {
  readonly #options: ConsoleReplConfig;
  readonly #printer: EventPrinter;
  readonly #sessionId: string;
  #running: { subscription: Subscription; cancelled: boolean; done: () => void } | undefined;
  /** A Ctrl+C was pressed since the last message: the next one while idle exits. */
  #armed = false;
  #exit: (() => void) | undefined;

  constructor(options: ConsoleReplConfig) {
    this.#options = options;
    this.#printer = new EventPrinter(options.output);
    this.#sessionId = options.sessionId ?? randomUUID();
  }

  /** Chats until `/exit`, a second Ctrl+C or the end of input. */
  async run(): Promise<void> {
    const { input, output, runner } = this.#options;
    const terminal = (input as { isTTY?: boolean }).isTTY === true;
    const rl = createInterface({ input, output, terminal, prompt: 'you> ' });
    const signals = this.#options.signals === undefined ? process : this.#options.signals;
    const onInterrupt = (): void => this.#interrupt(rl);
    rl.on('SIGINT', onInterrupt);
    signals?.on('SIGINT', onInterrupt);
    const exited = new Promise<void>((resolve) => (this.#exit = resolve));
    this.#printer.line(
      `Ferrite chat — app '${runner.appName}', agent '${runner.agent.name}', session ${this.#sessionId}`,
    );
    this.#printer.line('Type a message; Ctrl+C cancels a reply, twice exits; /exit quits.');
    try {
      const lines = rl[Symbol.asyncIterator]();
      if (terminal) rl.prompt();
      for (;;) {
        const next = await Promise.race([lines.next(), exited.then(() => undefined)]);
        if (!next || next.done) break;
        const line = next.value.trim();
        if (line === '/exit' || line === '/quit') break;
        if (line !== '') {
          // Piped input is not echoed by a terminal; show it so the transcript reads as a chat.
          if (!terminal) this.#printer.line(`you> ${line}`);
          this.#armed = false;
          let completed = await this.#turn(userContent(line));
          // A turn that paused for a confirmation asks the person here, then resumes.
          while (completed) {
            const answers = await this.#confirm(async (question) => {
              this.#printer.line(question);
              if (terminal) rl.prompt();
              const reply = await Promise.race([lines.next(), exited.then(() => undefined)]);
              if (!reply || reply.done) return undefined;
              if (!terminal) this.#printer.line(`you> ${reply.value}`);
              return reply.value;
            });
            if (!answers) break;
            completed = await this.#turn({ role: 'user', parts: answers });
          }
        }
        if (terminal) rl.prompt();
      }
    } finally {
      signals?.off('SIGINT', onInterrupt);
      this.#running?.subscription.unsubscribe();
      rl.close();
      this.#printer.finish();
    }
  }

  /** The answers to the confirmations the session waits for, asked in the console. */
  async #confirm(ask: (question: string) => Promise<string | undefined>) {
    const { runner, userId } = this.#options;
    let requests;
    try {
      requests = await runner.pendingRequests(userId, this.#sessionId);
    } catch (error) {
      const failure = toFerriteError(error);
      this.#printer.line(`error [${failure.code}]: ${failure.message}`);
      return undefined;
    }
    return askPendingConfirmations(requests, ask, (line) => this.#printer.line(line));
  }

  /** Runs one turn; resolves true when it completed (not cancelled, not failed). */
  #turn(message: Content): Promise<boolean> {
    const { runner, userId } = this.#options;
    return new Promise<boolean>((resolve) => {
      const state = {
        subscription: undefined as unknown as Subscription,
        cancelled: false,
        done: () => resolve(false),
      };
      this.#running = state;
      const end = (completed = false): void => {
        this.#running = undefined;
        this.#printer.finish();
        resolve(completed);
      };
      state.subscription = runner
        .run(userId, this.#sessionId, message, { runConfig: { streamingMode: 'sse' } })
        .subscribe({
          next: (event) => this.#printer.print(event),
          error: (error: unknown) => {
            const failure = toFerriteError(error);
            this.#printer.line(`error [${failure.code}]: ${failure.message}`);
            end();
          },
          complete: () => end(true),
        });
      if (state.cancelled) end();
    });
  }

  #interrupt(rl: Interface): void {
    const running = this.#running;
    if (running) {
      running.cancelled = true;
      running.subscription?.unsubscribe();
      this.#running = undefined;
      this.#armed = true;
      this.#printer.line('^C cancelled (press Ctrl+C again to exit)');
      this.#printer.finish();
      running.done();
      return;
    }
    if (this.#armed) {
      this.#printer.line('bye');
      this.#exit?.();
      return;
    }
    this.#armed = true;
    this.#printer.line('(press Ctrl+C again to exit, or type /exit)');
    if ((this.#options.input as { isTTY?: boolean }).isTTY) rl.prompt();
  }
}
