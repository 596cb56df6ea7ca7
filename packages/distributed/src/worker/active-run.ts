import type { Observable, Subscription } from 'rxjs';
import { toFerriteError, type Event } from '@ferrite/core';
import { endOfError, type RunEnd } from '../stream/run-stream-entry.js';
import type { RunStreams } from '../stream/run-streams.js';

/**
 * One run a worker is executing: it relays the Runner's events to the run's stream in order and
 * writes its one terminal entry. A write that fails, or finds the run ended or lost, stops
 * relaying (so a reader never sees a gap) and ends the run.
 */
export class ActiveRun {
  readonly invocationId: string;
  readonly #streams: RunStreams;
  readonly #maxPendingWrites: number;
  readonly #done: () => void;
  #subscription: Subscription | undefined;
  #pending = 0;
  #ended = false;
  /** Partial events dropped because too many writes were in flight. */
  dropped = 0;

  constructor(
    invocationId: string,
    streams: RunStreams,
    maxPendingWrites: number,
    done: () => void,
  ) {
    this.invocationId = invocationId;
    this.#streams = streams;
    this.#maxPendingWrites = maxPendingWrites;
    this.#done = done;
  }

  /** True once the run has an end (its terminal entry is written or being written). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Runs `run$`, relaying its events; the run's end writes its terminal entry. */
  start(run$: Observable<Event>): void {
    this.#subscription = run$.subscribe({
      next: (event) => this.#relay(event),
      error: (error: unknown) => this.end(endOfError(toFerriteError(error))),
      complete: () => this.end({ type: 'end', outcome: 'completed' }),
    });
    if (this.#ended) this.#subscription.unsubscribe();
  }

  /**
   * Ends the run with `end`: the Runner's run is cancelled if still going (its `ctx.signal`
   * aborts), then the terminal entry is written, after every event written before it.
   */
  end(end: RunEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#subscription?.unsubscribe();
    // Sent on the same connection after the events' writes, so it lands after them.
    this.#streams
      .finish(this.invocationId, end)
      .catch(() => undefined)
      .finally(this.#done);
  }

  #relay(event: Event): void {
    if (this.#ended) return;
    // Stored events are never dropped (the store paces them); partials are, past the bound.
    if (event.partial === true && this.#pending >= this.#maxPendingWrites) {
      this.dropped += 1;
      return;
    }
    this.#pending += 1;
    this.#streams.append(this.invocationId, event).then(
      (result) => {
        this.#pending -= 1;
        if (result === 'ended') {
          // Another writer ended the run (its worker was declared lost): stop here.
          this.end({ type: 'end', outcome: 'cancelled' });
        } else if (result === 'lost') {
          this.end({
            type: 'error',
            code: 'run.worker_lost',
            message: `Redis lost run ${this.invocationId}; the turn is not run again`,
          });
        }
      },
      (error: unknown) => {
        this.#pending -= 1;
        this.end({
          type: 'error',
          code: 'run.worker_lost',
          message: `the worker could not write run ${this.invocationId} to Redis (${String(
            (error as Error | undefined)?.message ?? error,
          ).slice(0, 200)}); the turn is not run again`,
        });
      },
    );
  }
}
