import { FerriteError, InvalidArgumentError, RunNotFoundError, type Event } from '@ferrite/core';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import type { RunTracker } from '../sse/run-tracker.js';

/** Bounds of the in-process run log that attaching reads. */
export interface LiveRunsOptions {
  /** How long a finished run stays attachable. */
  readonly retentionMs: number;
  /** Events kept per run (partials included); older ones are dropped. */
  readonly maxEvents: number;
  /** Finished runs kept at most; the oldest go first. */
  readonly maxRuns: number;
}

/** The session a run belongs to. */
export interface LiveRunKey {
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
}

type Ending = { readonly error?: unknown } | undefined;

class LiveRun {
  readonly key: LiveRunKey;
  readonly detached: boolean;
  readonly log: Event[] = [];
  /** Index in the whole run of `log[0]` (events before it were dropped). */
  dropped = 0;
  ending: Ending;
  readonly views = new Set<Subscriber<Event>>();
  source: Subscription | undefined;
  untrack: (() => void) | undefined;

  constructor(key: LiveRunKey, detached: boolean) {
    this.key = key;
    this.detached = detached;
  }
}

/**
 * The runs a single-process handler serves, by invocation id, each with a bounded log of what it
 * emitted (partials included), so a client can attach to a live or just-finished run, and a
 * detached run goes on when its client leaves. (With a `QueuedRunner`, the runner's Redis streams
 * do this for every node instead.)
 */
export class LiveRuns {
  readonly #options: LiveRunsOptions;
  readonly #tracker: RunTracker;
  readonly #runs = new Map<string, LiveRun>();

  constructor(options: LiveRunsOptions, tracker: RunTracker) {
    this.#options = options;
    this.#tracker = tracker;
  }

  /**
   * Starts `run$` under `invocationId` when the returned Observable (the requester's view) is
   * subscribed. Unsubscribing it cancels the run unless `detached`; a detached run left without a
   * viewer is tracked on its own, so a shutdown waits for it, then cancels it.
   */
  start(
    invocationId: string,
    key: LiveRunKey,
    run$: Observable<Event>,
    detached: boolean,
  ): Observable<Event> {
    return new Observable<Event>((subscriber) => {
      if (this.#runs.has(invocationId)) {
        subscriber.error(
          new InvalidArgumentError(`a run with invocationId ${invocationId} exists`),
        );
        return undefined;
      }
      const run = new LiveRun(key, detached);
      this.#runs.set(invocationId, run);
      run.views.add(subscriber);
      run.source = run$.subscribe({
        next: (event) => this.#record(run, event),
        error: (error: unknown) => this.#end(invocationId, run, { error }),
        complete: () => this.#end(invocationId, run, {}),
      });
      return () => this.#leave(invocationId, run, subscriber);
    });
  }

  /**
   * What a run emitted, from the start or after the stored event `after`, then live until it ends.
   * `run.not_found` when no run of this session has the id here; leaving never cancels the run.
   */
  attach(invocationId: string, key: LiveRunKey, after: string | undefined): Observable<Event> {
    return new Observable<Event>((subscriber) => {
      const run = this.#runs.get(invocationId);
      if (
        run === undefined ||
        run.key.appName !== key.appName ||
        run.key.userId !== key.userId ||
        run.key.sessionId !== key.sessionId
      ) {
        subscriber.error(
          new RunNotFoundError(`no run ${invocationId} in session ${key.sessionId}`),
        );
        return undefined;
      }
      let from = 0;
      if (after !== undefined) {
        from = run.log.findIndex((event) => event.id === after && event.partial !== true) + 1;
        if (from === 0) {
          subscriber.error(
            new InvalidArgumentError(`event ${after} is not in the log of run ${invocationId}`),
          );
          return undefined;
        }
      }
      for (const event of run.log.slice(from)) subscriber.next(event);
      if (run.ending !== undefined) {
        if (run.ending.error !== undefined) subscriber.error(run.ending.error);
        else subscriber.complete();
        return undefined;
      }
      run.views.add(subscriber);
      run.untrack?.();
      run.untrack = undefined;
      return () => this.#leave(invocationId, run, subscriber);
    });
  }

  /** Cancels every live run (a shutdown after its grace): viewers get `unavailable`. */
  cancelAll(reason: string): void {
    for (const [id, run] of this.#runs) {
      if (run.ending === undefined) this.#cancel(id, run, reason);
    }
  }

  #record(run: LiveRun, event: Event): void {
    run.log.push(event);
    if (run.log.length > this.#options.maxEvents) {
      run.log.shift();
      run.dropped += 1;
    }
    for (const view of run.views) view.next(event);
  }

  #end(invocationId: string, run: LiveRun, ending: NonNullable<Ending>): void {
    if (run.ending !== undefined) return;
    run.ending = ending;
    run.untrack?.();
    run.untrack = undefined;
    const views = [...run.views];
    run.views.clear();
    for (const view of views) {
      if (ending.error !== undefined) view.error(ending.error);
      else view.complete();
    }
    const timer = setTimeout(() => {
      if (this.#runs.get(invocationId) === run) this.#runs.delete(invocationId);
    }, this.#options.retentionMs);
    timer.unref?.();
    this.#evictFinished();
  }

  #leave(invocationId: string, run: LiveRun, view: Subscriber<Event>): void {
    run.views.delete(view);
    if (run.ending !== undefined || run.views.size > 0) return;
    if (!run.detached) {
      // The requester left (ADK's behaviour): the run is cancelled, and kept as such.
      run.source?.unsubscribe();
      this.#end(invocationId, run, {});
      return;
    }
    run.untrack ??= this.#tracker.add({
      cancel: (reason) => this.#cancel(invocationId, run, reason),
    });
  }

  #cancel(invocationId: string, run: LiveRun, reason: string): void {
    run.source?.unsubscribe();
    this.#end(invocationId, run, { error: new FerriteError(reason, { code: 'unavailable' }) });
  }

  #evictFinished(): void {
    let excess = this.#runs.size - this.#options.maxRuns;
    for (const [id, run] of this.#runs) {
      if (excess <= 0) return;
      if (run.ending !== undefined) {
        this.#runs.delete(id);
        excess -= 1;
      }
    }
  }
}
