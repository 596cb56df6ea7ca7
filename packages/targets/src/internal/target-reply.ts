import { OutputLimitError, TargetError, type Event } from '@ferrite/core';
import { deltaEvent, finalEvent } from '../protocol/target-message.js';

/** What a {@link TargetReply} needs to know about its turn. */
export interface TargetReplyConfig {
  /** The author of the events (the agent's name). */
  author: string;
  /** How errors name the agent, e.g. `ProcessAgent "echo"`. */
  label: string;
  /** The agent's own bound on the reply, in characters. */
  maxOutputChars: number;
  /** The run's `outputCharLimit`, when it has one. */
  outputCharLimit: number | undefined;
  /** Passes an event on to the run. */
  emit: (event: Event) => void;
}

/**
 * The reply of one turn as it streams in: emits each delta as a partial event, keeps their
 * text for a `final` that does not repeat it, and refuses to hold more than the bounds allow.
 * A reply that would pass the run's `outputCharLimit` fails with {@link OutputLimitError}
 * (`run.output_limit`); one that would pass `maxOutputChars` with {@link TargetError}. Either
 * way the piece that crosses is neither kept nor emitted.
 */
export class TargetReply {
  readonly #options: TargetReplyConfig;
  #text = '';
  #started = false;
  #finished = false;
  #targetError: (problem: string) => TargetError;

  constructor(options: TargetReplyConfig) {
    this.#options = options;
    this.#targetError = (problem) => new TargetError(`${options.label}: ${problem}`);
  }

  /**
   * Builds this turn's `target.error` failures with `factory` (given the problem, without the
   * agent's label), e.g. so a process's errors carry its stderr tail.
   */
  buildErrorsWith(factory: (problem: string) => TargetError): void {
    this.#targetError = factory;
  }

  /** True once a delta was emitted (an HTTP request is not tried again after that). */
  get started(): boolean {
    return this.#started;
  }

  /** True once the final event was emitted. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Takes the next streamed piece; empty pieces are dropped. Throws past a bound. */
  delta(piece: string): void {
    if (piece === '') return;
    this.#check(this.#text.length + piece.length);
    this.#text += piece;
    this.#started = true;
    this.#options.emit(deltaEvent(this.#options.author, piece));
  }

  /** Ends the reply with `output`, or with the streamed text when there is none. Throws past a bound. */
  final(output?: string): void {
    const text = output ?? this.#text;
    this.#check(text.length);
    this.#finished = true;
    this.#options.emit(finalEvent(this.#options.author, text));
  }

  #check(length: number): void {
    const { label, maxOutputChars, outputCharLimit } = this.#options;
    if (outputCharLimit !== undefined && length > outputCharLimit) {
      throw new OutputLimitError(
        `${label}: the reply passed ${outputCharLimit} characters (outputCharLimit)`,
      );
    }
    if (length > maxOutputChars) {
      throw this.#targetError(`the reply passed ${maxOutputChars} characters (maxOutputChars)`);
    }
  }
}
