import { Observable } from 'rxjs';
import type { Event, LogFields } from '@ferrite/core';
import { RequestLog } from './request-log.js';
import { sseClientsCounter } from './server-metrics.js';

/**
 * A run as a route serves it, noting its invocation and session ids in the request log and, for
 * an event stream, counting the connected client (`ferrite.server.sse.clients`) for as long as the
 * stream lasts. The run itself when there is nothing to note.
 */
export function observeRun(
  request: Request,
  run$: Observable<Event>,
  options: { stream: boolean; fields?: LogFields },
): Observable<Event> {
  const log = RequestLog.of(request);
  const clients = options.stream ? sseClientsCounter() : undefined;
  if (!log && !clients) return run$;
  if (options.fields) log?.note(options.fields);
  if (options.stream) log?.waitForRun();
  return new Observable<Event>((subscriber) => {
    clients?.add(1);
    let noted = false;
    const subscription = run$.subscribe({
      next: (event) => {
        if (!noted && log) {
          noted = true;
          log.note({ invocationId: event.invocationId });
        }
        subscriber.next(event);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      subscription.unsubscribe();
      clients?.add(-1);
      log?.runEnded();
    };
  });
}
