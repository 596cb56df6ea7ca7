import { Observable } from 'rxjs';
import type { Event, InvocationContext } from '@ferrite/core';

/**
 * Runs one turn as a cold Observable of events. The turn's signal aborts when the context's
 * signal does or the subscriber unsubscribes, so the turn stops promptly and cleans up what it
 * started; the Observable completes (or errors) only once the turn has settled.
 */
export function observeTurn(
  context: InvocationContext,
  turn: (signal: AbortSignal, emit: (event: Event) => void) => Promise<void>,
): Observable<Event> {
  return new Observable<Event>((subscriber) => {
    const controller = new AbortController();
    const forward = (): void => controller.abort(context.signal.reason);
    if (context.signal.aborted) forward();
    else context.signal.addEventListener('abort', forward, { once: true });
    turn(controller.signal, (event) => subscriber.next(event)).then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      context.signal.removeEventListener('abort', forward);
      controller.abort();
    };
  });
}
