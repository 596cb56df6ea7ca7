import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { abortableDelay } from './abortable-delay.js';

/**
 * How an HTTP client of Ferrite tries a request again: the one option shape shared by the model
 * providers, `OpenAIEmbedder` and `HttpAgent`.
 */
export interface RetryPolicyConfig {
  /** Attempts after the first one (default 2; 0 turns retries off). */
  maxRetries?: number;
  /** Wait before the first retry when the server names none (default 500 ms). */
  initialDelayMs?: number;
  /**
   * Longest wait between two attempts (default 60 000 ms). The computed backoff is cut to it; a
   * server asking (`Retry-After`) for a longer wait is not tried again.
   */
  maxDelayMs?: number;
  /** Growth of the computed wait from one retry to the next (default 2). */
  factor?: number;
  /**
   * Random spread of each computed wait, as a fraction from 0 to 1: 0.25 (the default) waits
   * 75–125 % of it, 0 waits exactly. A wait the server asked for is never spread.
   */
  jitter?: number;
  /**
   * HTTP statuses worth another try. Default: 408, 429 and every 5xx but 501 (Not
   * Implemented) and 505 (HTTP Version Not Supported), which no retry can fix.
   */
  statusCodes?: readonly number[];
}

/** One attempt of {@link RetryPolicy.run}. */
export interface RetryAttempt {
  /** 0 for the first try, 1 for the first retry, and so on. */
  readonly retry: number;
  /** The wait the server asked for (its `Retry-After`); set it before the attempt throws. */
  retryAfterMs: number | undefined;
}

/** Options of one {@link RetryPolicy.run}. */
export interface RetryRunOptions {
  /** Stops at once, a wait between attempts included, rejecting with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Whether a failure may succeed when tried again. */
  isRetryable(error: unknown): boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Whether `status` is worth another try when no `statusCodes` are configured. */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Exponential backoff with jitter, `Retry-After` honoured, cancellation at once: one policy for
 * every HTTP client in Ferrite. The settings are checked and frozen on construction.
 *
 * @example
 * ```ts
 * const policy = new RetryPolicy({ maxRetries: 3, initialDelayMs: 200 }, 'MyClient retry');
 * const body = await policy.run(
 *   async (attempt) => {
 *     const response = await fetch(url, { signal });
 *     if (!response.ok) {
 *       attempt.retryAfterMs = parseRetryAfter(response.headers);
 *       throw new ModelError(`HTTP ${response.status}`, {
 *         status: response.status,
 *         retryable: policy.retriesStatus(response.status),
 *       });
 *     }
 *     return response.json();
 *   },
 *   { signal, isRetryable: (error) => error instanceof ModelError && error.retryable },
 * );
 * ```
 */
export class RetryPolicy {
  /** Attempts after the first one. */
  readonly maxRetries: number;
  /** Wait before the first retry in milliseconds. */
  readonly initialDelayMs: number;
  /** Longest wait between two attempts in milliseconds. */
  readonly maxDelayMs: number;
  /** Growth of the wait per retry. */
  readonly factor: number;
  /** Random spread of a computed wait, from 0 to 1. */
  readonly jitter: number;
  readonly #statusCodes: ReadonlySet<number> | undefined;

  /** Checks and fills `options`; a bad value is an `InvalidArgumentError` naming `label`. */
  constructor(options: RetryPolicyConfig = {}, label = 'retry') {
    const check = (ok: boolean, message: string): void => {
      if (!ok) throw new InvalidArgumentError(`${label}: ${message}`);
    };
    this.maxRetries = options.maxRetries ?? 2;
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.25;
    check(
      Number.isInteger(this.maxRetries) && this.maxRetries >= 0,
      'maxRetries must be a non-negative integer',
    );
    check(
      Number.isFinite(this.initialDelayMs) && this.initialDelayMs >= 0,
      'initialDelayMs must be a non-negative number',
    );
    // A timer longer than 2^31 - 1 ms fires at once, which would turn a long wait into none.
    check(
      Number.isFinite(this.maxDelayMs) &&
        this.maxDelayMs >= this.initialDelayMs &&
        this.maxDelayMs <= MAX_TIMER_MS,
      `maxDelayMs must be a number from initialDelayMs to ${MAX_TIMER_MS}`,
    );
    check(
      Number.isFinite(this.factor) && this.factor >= 1,
      'factor must be a number of at least 1',
    );
    check(this.jitter >= 0 && this.jitter <= 1, 'jitter must be between 0 and 1');
    if (options.statusCodes !== undefined) {
      check(
        Array.isArray(options.statusCodes) &&
          options.statusCodes.every((code) => Number.isInteger(code) && code >= 100 && code <= 599),
        'statusCodes must be HTTP status codes',
      );
      this.#statusCodes = new Set(options.statusCodes);
    }
    Object.freeze(this);
  }

  /** Whether an answer with this HTTP status is worth another try. */
  retriesStatus(status: number): boolean {
    return this.#statusCodes ? this.#statusCodes.has(status) : isTransientStatus(status);
  }

  /**
   * Milliseconds to wait before retry number `retry + 1`, or `undefined` when the server asked
   * for more than `maxDelayMs` (then no retry is worth it). `random` returns a number in [0, 1).
   */
  delayFor(
    retry: number,
    retryAfterMs?: number,
    random: () => number = Math.random,
  ): number | undefined {
    if (retryAfterMs !== undefined) {
      return retryAfterMs <= this.maxDelayMs ? Math.max(0, retryAfterMs) : undefined;
    }
    const computed = this.initialDelayMs * this.factor ** retry;
    const spread = 1 - this.jitter + 2 * this.jitter * random();
    return Math.min(this.maxDelayMs, computed * spread);
  }

  /**
   * Runs `operation` until it resolves, a failure is not retryable, the retries run out or a
   * `Retry-After` asks for too long a wait; then rejects with the last attempt's error as it
   * was thrown. Aborting `signal` rejects with its reason at once, during a wait as well.
   */
  async run<TResult>(
    operation: (attempt: RetryAttempt) => Promise<TResult>,
    options: RetryRunOptions,
  ): Promise<TResult> {
    const { signal } = options;
    for (let retry = 0; ; retry += 1) {
      signal?.throwIfAborted();
      const attempt: RetryAttempt = { retry, retryAfterMs: undefined };
      try {
        return await operation(attempt);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (retry >= this.maxRetries || !options.isRetryable(error)) throw error;
        const delay = this.delayFor(retry, attempt.retryAfterMs);
        if (delay === undefined) throw error;
        await abortableDelay(delay, signal);
      }
    }
  }
}
