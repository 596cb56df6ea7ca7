import { from, isObservable, type Observable, type ObservableInput, type Subscription } from 'rxjs';
import type { Event } from '@ferrite/core';
import type { InvocationControl } from './invocation-control.js';

type Pulled = IteratorResult<Event, undefined>;
type Queued = Pulled | { error: unknown };

const DONE: Pulled = { done: true, value: undefined };
const noop = (): void => {};

/**
 * Reads an agent's events one at a time, whatever `run` returned (Observable, async or sync
 * iterable, promise). Async iterables are pulled only after the previous event was handled,
 * so a generator resumes after its event is stored; Observables are buffered in order.
 */
export class AgentEventSource {
  readonly #pull: () => Pulled | Promise<Pulled>;
  readonly #close: () => void;

  private constructor(pull: () => Pulled | Promise<Pulled>, close: () => void) {
    this.#pull = pull;
    this.#close = close;
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
    const buffer: Queued[] = [];
    let head = 0;
    let waiting: ((item: Queued) => void) | undefined;
    const push = (item: Queued): void => {
      if (waiting) {
        const deliver = waiting;
        waiting = undefined;
        deliver(item);
      } else buffer.push(item);
    };
    const unwrap = (item: Queued): Pulled => {
      if ('error' in item) throw item.error;
      return item;
    };
    let subscription: Subscription | undefined = observable.subscribe({
      next: (value) => push({ done: false, value }),
      error: (error: unknown) => push({ error }),
      complete: () => push(DONE),
    });
    return new AgentEventSource(
      () => {
        if (head < buffer.length) {
          const item = buffer[head] as Queued;
          head += 1;
          if (head === buffer.length) {
            buffer.length = 0;
            head = 0;
          }
          return unwrap(item);
        }
        return new Promise<Queued>((resolve) => {
          waiting = resolve;
        }).then(unwrap);
      },
      () => {
        subscription?.unsubscribe();
        subscription = undefined;
      },
    );
  }

  /** The next event (or done); rejects with Halted as soon as the invocation stops. */
  next(control: InvocationControl): Promise<Pulled> {
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
