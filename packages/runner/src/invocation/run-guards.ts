import {
  ShapeKeeper,
  OutputLimitError,
  RunTimeoutError,
  type Event,
  type FerriteError,
  type ResolvedRunConfig,
} from '@ferrite/core';

/** What a tripped guard stops: `trip` gets the error the stream ends with. */
interface GuardedRun {
  trip(error: FerriteError): void;
}

const runGuardsShape = new ShapeKeeper<RunGuards>();

/**
 * The `maxDurationMs` and `outputCharLimit` guards of one invocation. A tripped guard calls
 * the run's `trip` with the error the stream ends with; absent guards cost nothing.
 */
export class RunGuards {
  readonly #maxDurationMs: number | undefined;
  readonly #outputCharLimit: number | undefined;
  readonly #run: GuardedRun | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #outputChars = 0;

  constructor(config: Partial<ResolvedRunConfig>, run?: GuardedRun) {
    this.#maxDurationMs = config.maxDurationMs;
    this.#outputCharLimit = config.outputCharLimit;
    this.#run = run;
    runGuardsShape.keep(this);
  }

  /**
   * The guards of a run with `config`: one shared instance holding no state when neither limit
   * is set (it never trips, starts no clock and counts nothing).
   */
  static of(config: ResolvedRunConfig, run: GuardedRun): RunGuards {
    return config.maxDurationMs === undefined && config.outputCharLimit === undefined
      ? NO_GUARDS
      : new RunGuards(config, run);
  }

  /** Starts the duration clock (when the first agent starts; queue time does not count). */
  start(): void {
    const limit = this.#maxDurationMs;
    if (limit === undefined || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#run?.trip(new RunTimeoutError(`The run took longer than ${limit} ms (maxDurationMs)`));
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
      this.#run?.trip(
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

const NO_GUARDS = new RunGuards({});
