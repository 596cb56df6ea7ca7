import { ShapeKeeper } from '@ferrite/core';
/**
 * The signal the tools of one response see, and how their outcomes are collected. A single
 * call cannot be failed by a sibling, so it gets the run's signal itself and its outcome is
 * awaited directly; several calls share one child controller, linked to the run's signal by
 * one listener that is removed when the batch settles (no `AbortSignal.any`: on Node 20 it
 * costs a WeakRef and a dependant set per source, kept until collection).
 */
export interface ToolBatch {
  /** What the calls' contexts carry: aborted when the run is, or when a call fails the run. */
  readonly signal: AbortSignal;
  /** Wraps one call's promise so that its failure aborts the other calls of the batch. */
  readonly watch: <T>(promise: Promise<T>) => Promise<T>;
  /** Waits for every call's outcome, in call order. */
  settle<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]>;
}

const unchanged = <T>(promise: Promise<T>): Promise<T> => promise;

/** Where the run's signal is read from (it may be made on first read). */
export interface SignalSource {
  readonly signal: AbortSignal;
}

const singleCallShape = new ShapeKeeper<SingleCall>();

function fulfilledOne<T>(value: T): PromiseSettledResult<T>[] {
  return [{ status: 'fulfilled', value }];
}

function rejectedOne<T>(reason: unknown): PromiseSettledResult<T>[] {
  return [{ status: 'rejected', reason }];
}

/** One call: the run's own signal (read only when the tool asks), its outcome awaited directly. */
class SingleCall implements ToolBatch {
  readonly #run: SignalSource;
  readonly watch = unchanged;

  constructor(run: SignalSource) {
    this.#run = run;
    singleCallShape.keep(this);
  }

  get signal(): AbortSignal {
    return this.#run.signal;
  }

  settle<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
    if (promises.length !== 1) return Promise.allSettled(promises);
    return promises[0]!.then(fulfilledOne<T>, rejectedOne<T>);
  }
}

const manyCallsShape = new ShapeKeeper<ManyCalls>();

/** Several calls: a child controller of the run's signal, unlinked once they settled. */
class ManyCalls implements ToolBatch {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal;
  readonly #onParentAbort = (): void => this.#controller.abort(this.#parent.reason);

  constructor(parent: AbortSignal) {
    this.#parent = parent;
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
    manyCallsShape.keep(this);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  readonly watch = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: unknown) => {
      this.#controller.abort(error);
      throw error;
    });

  async settle<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
    try {
      return await Promise.allSettled(promises);
    } finally {
      this.#parent.removeEventListener('abort', this.#onParentAbort);
    }
  }
}

/** The batch for `count` calls made under the run's signal. */
export function toolBatch(run: SignalSource, count: number): ToolBatch {
  return count === 1 ? new SingleCall(run) : new ManyCalls(run.signal);
}
