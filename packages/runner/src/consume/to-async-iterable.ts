import type { Observable } from 'rxjs';
import { observableToAsyncIterable, type ObservableReaderOptions } from '@ferrite/core';

/**
 * An AsyncIterable over an Observable: each `for await` loop subscribes once; values wait in a
 * bounded buffer until read (core's `ObservableReader`); the error comes after the values
 * before it; leaving the loop early (break, return, throw) unsubscribes.
 */
export function toAsyncIterable<T>(
  observable: Observable<T>,
  options: ObservableReaderOptions = {},
): AsyncIterable<T> {
  return observableToAsyncIterable(observable, options);
}
