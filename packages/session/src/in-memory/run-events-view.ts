import type { Event } from '@ferrite/core';

/**
 * The key under which a session service offers the runner a session read for one run whose
 * history is shared with the store instead of copied (`Symbol.for`, so the runner finds it
 * without depending on this package; the runner names the same key). Internal: the events of
 * such a session are a read-only view, and only appends made through the same service extend it.
 */
export const LOAD_FOR_RUN: unique symbol = Symbol.for('@ferrite/session.loadForRun') as never;

/**
 * The key under which a session service offers the runner an append that completes at once
 * (`Symbol.for`, as {@link LOAD_FOR_RUN}): the stored event, or undefined when the runner must
 * call `appendEvent` instead. Internal.
 */
export const APPEND_NOW: unique symbol = Symbol.for('@ferrite/session.appendNow') as never;

/** What one view reads: the first `length` events of `source`. */
interface ViewState {
  source: readonly Readonly<Event>[];
  length: number;
}

/**
 * The key under which a view holds its {@link ViewState} (`Symbol.for`: the agents package reads
 * a long history straight from `source` with it, since every read through the proxy costs a trap
 * call and an index turned into a string). Internal; nothing may write through it.
 */
const STATE = Symbol.for('@ferrite/session.eventsView');

type ViewTarget = Readonly<Event>[] & { [STATE]: ViewState };

/** The array index a property key names, or -1 when it names none. */
function indexOf(key: string): number {
  const length = key.length;
  if (length === 0 || length > 9) return -1;
  const first = key.charCodeAt(0);
  if (first === 48) return length === 1 ? 0 : -1;
  let value = 0;
  for (let position = 0; position < length; position += 1) {
    const digit = key.charCodeAt(position) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function refuse(): never {
  throw new TypeError(
    "A run's session events are read-only: store events through the session service's appendEvent",
  );
}

const handler: ProxyHandler<ViewTarget> = {
  get(target, key, receiver) {
    if (typeof key === 'string') {
      const state = target[STATE];
      if (key === 'length') return state.length;
      const index = indexOf(key);
      if (index >= 0) return index < state.length ? state.source[index] : undefined;
    }
    return Reflect.get(target, key, receiver) as unknown;
  },
  has(target, key) {
    if (typeof key === 'string') {
      const index = indexOf(key);
      if (index >= 0) return index < target[STATE].length;
    }
    return Reflect.has(target, key);
  },
  ownKeys(target) {
    const keys: string[] = [];
    for (let index = 0; index < target[STATE].length; index += 1) keys.push(String(index));
    keys.push('length');
    return keys;
  },
  getOwnPropertyDescriptor(target, key) {
    if (typeof key === 'string') {
      const state = target[STATE];
      // Writable as the target's own length must be reported; writes are refused all the same.
      if (key === 'length') {
        return { value: state.length, writable: true, enumerable: false, configurable: false };
      }
      const index = indexOf(key);
      if (index >= 0) {
        return index < state.length
          ? { value: state.source[index], writable: false, enumerable: true, configurable: true }
          : undefined;
      }
    }
    return Reflect.getOwnPropertyDescriptor(target, key);
  },
  set: refuse,
  defineProperty: refuse,
  deleteProperty: refuse,
  setPrototypeOf: refuse,
  preventExtensions: refuse,
};

/**
 * A read-only array view of the first `length` events of `source` (the store's own array of
 * frozen events): reading a session for a run costs nothing per stored event. Events the store
 * appends later stay out of the view unless {@link extendView} adds them.
 */
export function eventsView(source: readonly Readonly<Event>[], length: number): Event[] {
  const target = [] as unknown as ViewTarget;
  target[STATE] = { source, length };
  return new Proxy(target, handler);
}

/** The state of `events` when it is such a view, else undefined. */
export function viewStateOf(events: readonly Event[]): ViewState | undefined {
  return (events as Partial<ViewTarget>)[STATE];
}

/**
 * Adds `event`, just pushed onto `source` by an append made with the view's session, to the
 * view. A view whose store array was replaced meanwhile (its session deleted and created again)
 * goes on with a copy of what it showed, so it never shows events it did not show before.
 */
export function extendView(
  state: ViewState,
  source: readonly Readonly<Event>[],
  event: Readonly<Event>,
): void {
  if (state.source === source && state.length === source.length - 1) {
    state.length = source.length;
    return;
  }
  state.source = [...state.source.slice(0, state.length), event];
  state.length += 1;
}
