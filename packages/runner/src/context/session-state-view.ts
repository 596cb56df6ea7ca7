import { ShapeKeeper, InvalidArgumentError, type Session, type StateView } from '@ferrite/core';
import { PendingWrites } from './pending-writes.js';

const sessionStateViewShape = new ShapeKeeper<SessionStateView>();

/**
 * A {@link StateView} over the live session state (updated in place as events are appended,
 * `temp:` keys included) overlaid with this view's own writes not yet attached to an event.
 * Writes go into a buffer that only the runner takes from.
 */
export class SessionStateView implements StateView {
  readonly #session: Session;
  readonly #pending: PendingWrites;

  constructor(session: Session, pending: PendingWrites = new PendingWrites()) {
    this.#session = session;
    this.#pending = pending;
    sessionStateViewShape.keep(this);
  }

  get<TValue = unknown>(key: string): TValue | undefined {
    if (this.#pending.hasState(key)) return this.#pending.stateValue(key) as TValue;
    return this.#session.state[key] as TValue | undefined;
  }

  has(key: string): boolean {
    return this.#pending.hasState(key) || Object.hasOwn(this.#session.state, key);
  }

  set(key: string, value: unknown): void {
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError('state keys must be non-empty strings');
    }
    this.#pending.setState(key, value);
  }

  toObject(): Record<string, unknown> {
    return { ...this.#session.state, ...this.#pending.state };
  }
}
