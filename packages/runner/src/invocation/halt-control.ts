/**
 * What the parts of an invocation need to stop with it: the signal, and the checks that throw
 * Halted once it is stopped.
 */
export interface HaltControl {
  readonly signal: AbortSignal;
  /** Throws Halted when the invocation was stopped. */
  checkpoint(): void;
  /**
   * `value` to await, rejecting with Halted as soon as the invocation is stopped; a value that
   * is not a promise is returned as it is (it cannot hang).
   */
  guard<T>(value: T | PromiseLike<T>): T | Promise<T>;
  /** Stops the invocation with a guard error (the stream errors with it). */
  trip(error: Error): void;
}
