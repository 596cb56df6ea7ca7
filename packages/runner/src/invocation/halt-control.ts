/** What the parts of an invocation need from its lifecycle: the signal and stop checks. */
export interface HaltControl {
  readonly signal: AbortSignal;
  /** Throws Halted when the invocation was stopped. */
  checkpoint(): void;
  /** Awaits `value`, but rejects with Halted as soon as the invocation is stopped. */
  guard<T>(value: T | PromiseLike<T>): Promise<T>;
  /** Stops the invocation with a guard error (the stream errors with it). */
  trip(error: Error): void;
}
