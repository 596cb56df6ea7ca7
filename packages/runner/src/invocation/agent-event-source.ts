import { from, isObservable, type Observable, type ObservableInput } from 'rxjs';
import { ShapeKeeper, ObservableReader, type Event } from '@ferrite/core';
import type { HaltControl } from './halt-control.js';

type Pulled = IteratorResult<Event, undefined>;

const DONE: Pulled = { done: true, value: undefined };
const noop = (): void => {};

const agentEventSourceShape = new ShapeKeeper<AgentEventSource>();

/**
 * Reads an agent's events one at a time, whatever `run` returned (Observable, async or sync
 * iterable, promise). Async iterables are pulled only after the previous event was handled,
 * so a generator resumes after its event is stored; Observables go through core's bounded
 * `ObservableReader` (in order, an error after the events before it).
 */
export class AgentEventSource {
  readonly #pull: () => Pulled | Promise<Pulled>;
  readonly #close: () => void;

  private constructor(pull: () => Pulled | Promise<Pulled>, close: () => void) {
    this.#pull = pull;
    this.#close = close;
    agentEventSourceShape.keep(this);
  }

  /** Starts reading `input`. */
  static open(input: ObservableInput<Event>): AgentEventSource {
    if (isObservable(input)) return AgentEventSource.#fromObservable(input);
    if (typeof input === 'object' && input !== null) {
      if (Symbol.asyncIterator in input) {
        const iterator = input[Symbol.asyncIterator]();
        return new AgentEventSource(
          () => iterator.next() as Promise<Pulled>,
          () => {
            const returned = iterator.return?.();
            if (returned) returned.then(noop, noop);
          },
        );
      }
      if (Symbol.iterator in input) {
        const iterator = (input as Iterable<Event>)[Symbol.iterator]();
        return new AgentEventSource(
          () => iterator.next() as Pulled,
          () => void iterator.return?.(),
        );
      }
      if ('then' in input && typeof input.then === 'function') {
        let pending: Promise<Event> | undefined = Promise.resolve(input);
        return new AgentEventSource(() => {
          const current = pending;
          pending = undefined;
          return current ? current.then((value) => ({ done: false, value })) : DONE;
        }, noop);
      }
    }
    return AgentEventSource.#fromObservable(from(input));
  }

  static #fromObservable(observable: Observable<Event>): AgentEventSource {
    const reader = new ObservableReader(observable);
    return new AgentEventSource(
      () => reader.next(),
      () => void reader.return(),
    );
  }

  /** The next event (or done); rejects with Halted as soon as the invocation stops. */
  next(control: HaltControl): Pulled | Promise<Pulled> {
    // Checked before pulling: a stopped invocation must not resume the agent, whose next step
    // could reject with nobody left to handle it.
    control.checkpoint();
    return control.guard(this.#pull());
  }

  /** Stops the agent's stream (returns the iterator or unsubscribes). */
  close(): void {
    try {
      this.#close();
    } catch {
      // A generator that is still running cannot be returned; the aborted signal stops it.
    }
  }
}
