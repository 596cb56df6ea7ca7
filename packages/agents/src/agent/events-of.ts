import { from, type ObservableInput } from 'rxjs';
import type { Event } from '@ferrite/core';

/** Reads whatever an agent's `run` returns (Observable, async iterable, promise, array) as an async iterable. */
export async function* eventsOf(input: ObservableInput<Event>): AsyncGenerator<Event> {
  if (typeof (input as AsyncIterable<Event>)[Symbol.asyncIterator] === 'function') {
    yield* input as AsyncIterable<Event>;
    return;
  }
  const queue: Event[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const subscription = from(input).subscribe({
    next: (event) => {
      queue.push(event);
      wake?.();
    },
    error: (error: unknown) => {
      failure = { error };
      wake?.();
    },
    complete: () => {
      finished = true;
      wake?.();
    },
  });
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift()!;
      if (failure) throw failure.error;
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    subscription.unsubscribe();
  }
}
