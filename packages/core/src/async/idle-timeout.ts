/**
 * The timeout of one attempt of an HTTP call: `signal` aborts with `onTimeout()` when
 * `timeoutMs` passes without a {@link IdleTimeout.touch} (the response headers, then each
 * further piece of the answer), or with the parent's reason when `parent` aborts. A wait
 * between attempts is not part of any attempt, so it never counts.
 */
export class IdleTimeout implements Disposable {
  /** Aborts on a timeout, on the parent's abort, or on {@link IdleTimeout.dispose}. */
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #timeoutMs: number;
  readonly #onTimeout: () => Error;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, parent: AbortSignal | undefined, onTimeout: () => Error) {
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
    this.signal = parent
      ? AbortSignal.any([parent, this.#controller.signal])
      : this.#controller.signal;
  }

  #expired = false;

  /** Whether the attempt waited `timeoutMs` without progress (then `signal.reason` is `onTimeout()`). */
  get timedOut(): boolean {
    return this.#expired;
  }

  /** Starts the wait again from now (call when the attempt starts and on every sign of progress). */
  touch(): void {
    if (this.#controller.signal.aborted) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#controller.abort(this.#onTimeout());
    }, this.#timeoutMs);
  }

  /** Stops the clock while the caller, not the server, holds things up (e.g. a consumer of a stream). */
  pause(): void {
    clearTimeout(this.#timer);
  }

  /** Clears the timer and aborts `signal`, so a body still open is released. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#controller.abort();
  }

  /** Same as {@link IdleTimeout.dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
