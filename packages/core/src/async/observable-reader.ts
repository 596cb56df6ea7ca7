import type { Observable, Unsubscribable } from 'rxjs';
import { InternalError } from '../errors/internal-error.js';

/** Options of {@link ObservableReader} and {@link observableToAsyncIterable}. */
export interface ObservableReaderOptions {
  /**
   * Values that may wait for the reader (default 10 000). An Observable cannot be slowed
   * down, so one value more stops the subscription: the reader still gets the values that
   * waited, then an `InternalError` saying the reader fell behind.
   */
  highWaterMark?: number;
  /** Aborting unsubscribes, drops what waited, and rejects `next()` with the signal's reason. */
  signal?: AbortSignal;
}

/** The default {@link ObservableReaderOptions.highWaterMark}. */
const DEFAULT_READER_HIGH_WATER_MARK = 10_000;

type End = { error: false } | { error: true; reason: unknown };

interface Waiter<T> {
  resolve: (result: IteratorResult<T, undefined>) => void;
  reject: (reason: unknown) => void;
}

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Reads an Observable as an async iterator, one value at a time: it subscribes on the first
 * `next()`; values wait in a bounded ring buffer (taken in O(1)) until read; an error or the
 * completion is delivered after the values that came before it; `return()` (a `for await` left
 * by `break`, `return` or a throw) unsubscribes at once.
 *
 * @example
 * ```ts
 * const reader = new ObservableReader(events$, { highWaterMark: 1000 });
 * for await (const event of reader) if (event.partial) break; // unsubscribes
 * ```
 */
export class ObservableReader<T> implements AsyncIterableIterator<T, undefined> {
  readonly #observable: Observable<T>;
  readonly #highWaterMark: number;
  readonly #signal: AbortSignal | undefined;
  #subscription: Unsubscribable | undefined;
  #started = false;
  #finished = false;
  #end: End | undefined;
  // Ring buffer: #size values from #head, capacity grown by doubling up to the high-water mark.
  #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;
  readonly #waiters: Waiter<T>[] = [];
  readonly #onAbort = (): void => this.#abort();

  constructor(observable: Observable<T>, options: ObservableReaderOptions = {}) {
    const highWaterMark = options.highWaterMark ?? DEFAULT_READER_HIGH_WATER_MARK;
    if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
      throw new RangeError('highWaterMark must be a positive integer');
    }
    this.#observable = observable;
    this.#highWaterMark = highWaterMark;
    this.#signal = options.signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next value, `done` after the completion, or the Observable's error after its values. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (!this.#started) this.#start();
    if (this.#size > 0) return Promise.resolve({ done: false, value: this.#shift() });
    if (this.#finished) return Promise.resolve(DONE);
    const end = this.#end;
    if (end) {
      this.#finish();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the source's own error, unchanged
      return end.error ? Promise.reject(end.reason) : Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Unsubscribes and drops what waited; pending and later `next()` calls are done. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#started = true;
    this.#finish();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(DONE);
    return Promise.resolve(DONE);
  }

  #start(): void {
    this.#started = true;
    const signal = this.#signal;
    if (signal?.aborted) {
      this.#end = { error: true, reason: signal.reason };
      return;
    }
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    const subscription = this.#observable.subscribe({
      next: (value) => this.#push(value),
      error: (reason: unknown) => this.#close({ error: true, reason }),
      complete: () => this.#close({ error: false }),
    });
    // A source that ended (or overflowed) while subscribing needs no unsubscribe later.
    if (this.#end || this.#finished) subscription.unsubscribe();
    else this.#subscription = subscription;
  }

  #push(value: T): void {
    if (this.#end || this.#finished) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.resolve({ done: false, value });
      return;
    }
    if (this.#size >= this.#highWaterMark) {
      this.#close({
        error: true,
        reason: new InternalError(
          `More than ${this.#highWaterMark} values waited for a reader that fell behind (highWaterMark); the stream was stopped`,
        ),
      });
      this.#unsubscribe();
      return;
    }
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = value;
    this.#size += 1;
  }

  #shift(): T {
    const value = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size -= 1;
    return value;
  }

  #grow(): void {
    const capacity = Math.min(Math.max(8, this.#items.length * 2), this.#highWaterMark);
    const items = new Array<T | undefined>(capacity);
    for (let index = 0; index < this.#size; index += 1) {
      items[index] = this.#items[(this.#head + index) % this.#items.length];
    }
    this.#items = items;
    this.#head = 0;
  }

  /** The source ended: waiters (only present when nothing is buffered) get the end now. */
  #close(end: End): void {
    if (this.#end || this.#finished) return;
    this.#end = end;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#waiters.length === 0) return;
    this.#finish();
    const waiters = this.#waiters.splice(0);
    for (const [index, waiter] of waiters.entries()) {
      if (end.error && index === 0) waiter.reject(end.reason);
      else waiter.resolve(DONE);
    }
  }

  /** Stopped from outside: drop what waited; the current or next read rejects with the reason. */
  #abort(): void {
    if (this.#finished) return;
    const reason: unknown = this.#signal?.reason;
    this.#unsubscribe();
    this.#items = [];
    this.#head = 0;
    this.#size = 0;
    this.#end = { error: true, reason };
    if (this.#waiters.length === 0) return;
    this.#finish();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  /** Nothing more will be read: unsubscribe and drop what waited. */
  #finish(): void {
    this.#finished = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#unsubscribe();
    this.#items = [];
    this.#head = 0;
    this.#size = 0;
  }

  #unsubscribe(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    subscription?.unsubscribe();
  }
}

/**
 * An Observable as an AsyncIterable: each `for await` loop subscribes once, through its own
 * {@link ObservableReader}; leaving the loop early unsubscribes.
 */
export function observableToAsyncIterable<T>(
  observable: Observable<T>,
  options: ObservableReaderOptions = {},
): AsyncIterable<T, undefined> {
  return { [Symbol.asyncIterator]: () => new ObservableReader(observable, options) };
}
