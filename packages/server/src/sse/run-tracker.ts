import { abortableDelay } from '@ferrite/core';

interface TrackedRun {
  cancel(reason: string): void;
}

/**
 * Keeps the runs a handler is serving, so a shutdown can wait for them to finish and then
 * cancel those that are still going.
 */
export class RunTracker {
  readonly #runs = new Set<TrackedRun>();
  readonly #idle = new Set<() => void>();
  #closing = false;

  /** True once {@link RunTracker.drain} started: no new run is accepted. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Runs being served now. */
  get size(): number {
    return this.#runs.size;
  }

  /** Registers a run; the returned function unregisters it. */
  add(run: TrackedRun): () => void {
    this.#runs.add(run);
    return () => {
      this.#runs.delete(run);
      if (this.#runs.size === 0) for (const resolve of this.#idle) resolve();
    };
  }

  /** Stops accepting runs, waits up to `graceMs` for the running ones, then cancels the rest. */
  async drain(graceMs: number): Promise<void> {
    this.#closing = true;
    if (this.#runs.size > 0) {
      const controller = new AbortController();
      const idle = new Promise<void>((resolve) => this.#idle.add(resolve));
      await Promise.race([
        idle,
        abortableDelay(graceMs, controller.signal, { unref: true }).catch(() => undefined),
      ]);
      controller.abort();
    }
    for (const run of [...this.#runs]) run.cancel('the server is shutting down');
    this.#runs.clear();
  }
}
