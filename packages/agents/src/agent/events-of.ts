import { from, type ObservableInput } from 'rxjs';
import { observableToAsyncIterable, type Event } from '@ferrite/core';

/**
 * Reads whatever an agent's `run` returns (Observable, async iterable, promise, array) as an
 * async iterable; anything but an async iterable goes through core's bounded Observable reader.
 */
export async function* eventsOf(input: ObservableInput<Event>): AsyncGenerator<Event> {
  if (typeof (input as AsyncIterable<Event>)[Symbol.asyncIterator] === 'function') {
    yield* input as AsyncIterable<Event>;
    return;
  }
  yield* observableToAsyncIterable(from(input));
}
