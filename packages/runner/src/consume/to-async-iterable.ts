import type { Observable, Subscription } from 'rxjs';

/**
 * An AsyncIterable over an Observable: each `for await` loop subscribes once; values are
 * buffered until read; leaving the loop early (break, return, throw) unsubscribes.
 */
export function toAsyncIterable<T>(observable: Observable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const buffer: T[] = [];
      let head = 0;
      let finished = false;
      let closed = false;
      let failed = false;
      let failure: unknown;
      let wake: (() => void) | undefined;
      let subscription: Subscription | undefined;
      const notify = (): void => {
        const resume = wake;
        wake = undefined;
        resume?.();
      };
      const start = (): void => {
        subscription ??= observable.subscribe({
          next: (value) => {
            buffer.push(value);
            notify();
          },
          error: (error: unknown) => {
            failed = true;
            failure = error;
            notify();
          },
          complete: () => {
            finished = true;
            notify();
          },
        });
      };
      return {
        async next(): Promise<IteratorResult<T>> {
          for (;;) {
            if (closed) return { done: true, value: undefined };
            start();
            if (head < buffer.length) {
              const value = buffer[head] as T;
              head += 1;
              if (head === buffer.length) {
                buffer.length = 0;
                head = 0;
              }
              return { done: false, value };
            }
            if (failed) throw failure;
            if (finished) return { done: true, value: undefined };
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        },
        async return(): Promise<IteratorResult<T>> {
          closed = true;
          buffer.length = 0;
          head = 0;
          subscription?.unsubscribe();
          notify();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
