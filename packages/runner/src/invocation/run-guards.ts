import {
  OutputLimitError,
  RunTimeoutError,
  type Event,
  type FerriteError,
  type ResolvedRunConfig,
} from '@ferrite/core';

/**
 * The `maxDurationMs` and `outputCharLimit` guards of one invocation. A tripped guard calls
 * `onTrip` with the error the stream ends with; absent guards cost nothing.
 */
export class RunGuards {
  readonly #maxDurationMs: number | undefined;
  readonly #outputCharLimit: number | undefined;
  readonly #onTrip: (error: FerriteError) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #outputChars = 0;

  constructor(config: ResolvedRunConfig, onTrip: (error: FerriteError) => void) {
    this.#maxDurationMs = config.maxDurationMs;
    this.#outputCharLimit = config.outputCharLimit;
    this.#onTrip = onTrip;
  }

  /** Starts the duration clock (when the first agent starts; queue time does not count). */
  start(): void {
    const limit = this.#maxDurationMs;
    if (limit === undefined || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#onTrip(new RunTimeoutError(`The run took longer than ${limit} ms (maxDurationMs)`));
    }, limit);
  }

  /**
   * Counts the text of a non-partial agent event; false (after tripping) when it would take
   * the run past `outputCharLimit`, in which case the event must be neither stored nor emitted.
   */
  admit(event: Event): boolean {
    const limit = this.#outputCharLimit;
    if (limit === undefined || !event.content) return true;
    let chars = 0;
    for (const part of event.content.parts) {
      if (typeof part.text === 'string' && !part.thought) chars += part.text.length;
    }
    if (this.#outputChars + chars > limit) {
      this.#onTrip(
        new OutputLimitError(`The run's text output passed ${limit} characters (outputCharLimit)`),
      );
      return false;
    }
    this.#outputChars += chars;
    return true;
  }

  /** Stops the clock. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
