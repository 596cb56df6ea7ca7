import { toFerriteError, type Event } from '@ferrite/core';
import type { Observable, Subscription } from 'rxjs';
import { errorBody } from '../http/responses.js';
import type { RunTracker } from './run-tracker.js';
import { commentFrame, errorFrame, eventFrame } from './sse-frames.js';

/** Options of {@link runEventStream}. */
export interface RunEventStreamOptions {
  /** Interval of `: ping` comments while the stream is idle. */
  pingIntervalMs: number;
  /** Bytes queued for a slow client before partial events are dropped for it. */
  highWaterMark: number;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** Registry of the handler's runs, so a shutdown can cancel this one (absent: tracked elsewhere). */
  tracker?: RunTracker | undefined;
}

/**
 * Streams a run as Server-Sent Events. The run starts at once and is cancelled (unsubscribed)
 * when the client disconnects. A slow client gets every stored event, but once more than
 * `highWaterMark` bytes wait for it, partial events are dropped (their text is repeated by the
 * stored event that ends each reply), so the server never buffers a run's stream of partials
 * without bound; a `: dropped N partial events` comment marks the gap.
 */
export function runEventStream(
  run$: Observable<Event>,
  options: RunEventStreamOptions,
): ReadableStream<Uint8Array> {
  let subscription: Subscription | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let release: (() => void) | undefined;
  let finished = false;
  let dropped = 0;

  const stop = (): void => {
    finished = true;
    if (timer) clearInterval(timer);
    options.signal.removeEventListener('abort', onAbort);
    release?.();
    subscription?.unsubscribe();
  };
  const onAbort = (): void => stop();

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const enqueue = (frame: Uint8Array): void => {
          if (finished) return;
          if (dropped > 0) {
            controller.enqueue(commentFrame(`dropped ${dropped} partial events`));
            dropped = 0;
          }
          controller.enqueue(frame);
        };
        const end = (frame?: Uint8Array): void => {
          if (finished) return;
          if (frame) enqueue(frame);
          stop();
          controller.close();
        };
        if (options.signal.aborted) {
          finished = true;
          controller.close();
          return;
        }
        options.signal.addEventListener('abort', onAbort, { once: true });
        release = options.tracker?.add({
          cancel: (reason) => end(errorFrame({ error: reason, code: 'unavailable' })),
        });
        timer = setInterval(() => {
          // Only an idle stream needs a keep-alive; a full queue means the client is behind.
          if (!finished && controller.desiredSize === options.highWaterMark) {
            controller.enqueue(commentFrame('ping'));
          }
        }, options.pingIntervalMs);
        timer.unref?.();
        subscription = run$.subscribe({
          next: (event) => {
            if (event.partial && (controller.desiredSize ?? 1) <= 0) {
              dropped += 1;
              return;
            }
            enqueue(eventFrame(event));
          },
          error: (error: unknown) => end(errorFrame(errorBody(toFerriteError(error)))),
          complete: () => end(),
        });
      },
      cancel() {
        stop();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: options.highWaterMark }),
  );
}

/** Streams stored events (a replay) as Server-Sent Events, pulled as fast as the client reads. */
export function storedEventStream(events: readonly Event[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const event = events[index++];
        if (event) controller.enqueue(eventFrame(event));
        else controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
