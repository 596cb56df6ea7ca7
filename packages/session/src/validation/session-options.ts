import {
  InvalidArgumentError,
  frozenJsonCopy,
  toStorableJson,
  withoutTempKeys,
  type Event,
} from '@ferrite/core';

/** Default page size of `listSessions`. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page size `listSessions` accepts. */
export const MAX_LIST_LIMIT = 1000;

/** The page size of a `listSessions` call: 1–1000, default 100, else {@link InvalidArgumentError}. */
export function resolveListLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InvalidArgumentError(
      `limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`,
    );
  }
  return limit;
}

/** Checks the event filters of `getSession`: a non-negative integer and a finite number. */
export function validateEventFilters(
  numRecentEvents: number | undefined,
  afterTimestamp: number | undefined,
): void {
  if (
    numRecentEvents !== undefined &&
    (!Number.isInteger(numRecentEvents) || numRecentEvents < 0)
  ) {
    throw new InvalidArgumentError(
      `numRecentEvents must be a non-negative integer, got ${String(numRecentEvents)}`,
    );
  }
  if (afterTimestamp !== undefined && !Number.isFinite(afterTimestamp)) {
    throw new InvalidArgumentError(
      `afterTimestamp must be a finite number, got ${String(afterTimestamp)}`,
    );
  }
}

/**
 * A JSON-shaped deep copy of `value`, the form in which every store keeps state and events.
 * Throws {@link InvalidArgumentError} for what cannot be stored (cycles, BigInt).
 */
export function toStorable<TValue>(value: TValue, what: string): TValue {
  return JSON.parse(toStorableJson(value, what)) as TValue;
}

/** The parts of a valid event a store writes: its actions and their state delta. */
export interface ValidatedEvent {
  /** `event.actions`, or `{}` when absent. */
  actions: Partial<Event['actions']>;
  /** `event.actions.stateDelta`, or `{}` when absent; still with its `temp:` keys. */
  stateDelta: Record<string, unknown>;
}

/**
 * The one check of an appended event every store makes: an object with a non-empty string
 * `id`, a finite numeric `timestamp`, a string `author`, and `actions.stateDelta` (when
 * present) an object; anything else is {@link InvalidArgumentError}.
 */
export function validateEvent(event: Event): ValidatedEvent {
  const actions = checkedActions(event);
  return { actions, stateDelta: actions.stateDelta ?? {} };
}

/** {@link validateEvent}'s check, giving the event's `actions` (`{}` when absent) alone. */
function checkedActions(event: Event): Partial<Event['actions']> {
  if (typeof event !== 'object' || event === null) {
    throw new InvalidArgumentError('event must be an object');
  }
  if (typeof event.id !== 'string' || event.id.length === 0) {
    throw new InvalidArgumentError('event.id must be a non-empty string');
  }
  if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) {
    throw new InvalidArgumentError('event.timestamp must be a finite number (milliseconds)');
  }
  if (typeof event.author !== 'string') {
    throw new InvalidArgumentError('event.author must be a string');
  }
  const actions: Partial<Event['actions']> = event.actions ?? {};
  if (
    typeof actions !== 'object' ||
    actions === null ||
    (actions.stateDelta !== undefined && !isRecord(actions.stateDelta))
  ) {
    throw new InvalidArgumentError('event.actions.stateDelta must be an object');
  }
  return actions;
}

/**
 * Checks the event with {@link validateEvent} and returns a storable, deeply frozen copy, with
 * the `actions` maps filled in and `temp:` keys removed from its state delta.
 */
export function toStorableEvent(event: Event): Event {
  const actions = checkedActions(event);
  const stateDelta = actions.stateDelta ?? {};
  // temp: values never reach the store, so they may hold anything (functions, cycles).
  const storedDelta = withoutTempKeys(stateDelta);
  // An event whose actions already hold both maps and no temp: key (the runner's) is copied as
  // it is; only the others go through a normalized shallow copy first.
  if (storedDelta === actions.stateDelta && isRecord(actions.artifactDelta)) {
    return frozenJsonCopy(event, `event ${event.id}`);
  }
  return frozenJsonCopy(
    {
      ...event,
      actions: {
        ...actions,
        stateDelta: storedDelta,
        artifactDelta: actions.artifactDelta ?? {},
      },
    },
    `event ${event.id}`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
