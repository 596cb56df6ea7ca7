import { lastValueFrom, toArray, type Observable } from 'rxjs';

/**
 * Subscribes to a run and resolves with all its events once it completes (rejects with the
 * run's error), for callers that do not use RxJS.
 *
 * @example
 * ```ts
 * const events = await runToArray(runner.run('u1', 's1', userContent('Hi')));
 * ```
 */
export function runToArray<T>(observable: Observable<T>): Promise<T[]> {
  return lastValueFrom(observable.pipe(toArray()));
}
