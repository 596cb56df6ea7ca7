import { toFerriteError } from '@ferrite/core';
import { Observable, type Subscription } from 'rxjs';

/**
 * Subscribes to `source$` and resolves once it has said something (a value, an error or its
 * completion) or `waitMs` passed, so a route can answer an up-front failure (a run that does not
 * exist) with an HTTP status before it starts a stream, and a quiet live run still gets its
 * stream's headers at once.
 * The result replays what arrived meanwhile to its one subscriber, then relays `source$`;
 * unsubscribing it (or `cancel`) unsubscribes `source$`. Rejects with the source's first error (as a `FerriteError`).
 */
export function primed<T>(source$: Observable<T>, waitMs: number): Promise<Observable<T>> {
  return new Promise((resolve, reject) => {
    const pending: T[] = [];
    let ending: { error?: unknown; failed: boolean } | undefined;
    let target: { next(value: T): void; error(error: unknown): void; complete(): void } | undefined;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ready = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(
        new Observable<T>((subscriber) => {
          for (const value of pending.splice(0)) subscriber.next(value);
          if (ending !== undefined) {
            if (ending.failed) subscriber.error(ending.error);
            else subscriber.complete();
            return undefined;
          }
          target = subscriber;
          return () => subscription.unsubscribe();
        }),
      );
    };
    const subscription: Subscription = source$.subscribe({
      next: (value) => {
        if (target !== undefined) target.next(value);
        else pending.push(value);
        ready();
      },
      error: (error: unknown) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          reject(toFerriteError(error));
          return;
        }
        if (target !== undefined) target.error(error);
        else ending = { error, failed: true };
      },
      complete: () => {
        if (target !== undefined) target.complete();
        else ending = { failed: false };
        ready();
      },
    });
    if (!settled) timer = setTimeout(ready, waitMs);
  });
}
