import { InvalidArgumentError, type Session, type StateView } from '@ferrite/core';

/**
 * A {@link StateView} over the live session state (updated in place as events are appended,
 * `temp:` keys included) overlaid with this view's own writes not yet attached to an event.
 */
export class SessionStateView implements StateView {
  readonly #session: Session;
  #pending: Record<string, unknown> = {};
  #pendingCount = 0;

  constructor(session: Session) {
    this.#session = session;
  }

  get<TValue = unknown>(key: string): TValue | undefined {
    if (this.#pendingCount > 0 && Object.hasOwn(this.#pending, key)) {
      return this.#pending[key] as TValue;
    }
    return this.#session.state[key] as TValue | undefined;
  }

  has(key: string): boolean {
    return (
      (this.#pendingCount > 0 && Object.hasOwn(this.#pending, key)) ||
      Object.hasOwn(this.#session.state, key)
    );
  }

  set(key: string, value: unknown): void {
    if (typeof key !== 'string' || key.length === 0) {
      throw new InvalidArgumentError('state keys must be non-empty strings');
    }
    if (!Object.hasOwn(this.#pending, key)) this.#pendingCount += 1;
    this.#pending[key] = value;
  }

  toObject(): Record<string, unknown> {
    return { ...this.#session.state, ...this.#pending };
  }

  takeDelta(): Record<string, unknown> {
    if (this.#pendingCount === 0) return {};
    const delta = this.#pending;
    this.#pending = {};
    this.#pendingCount = 0;
    return delta;
  }

  /** True when writes are waiting to be attached to an event. */
  get hasPending(): boolean {
    return this.#pendingCount > 0;
  }
}
