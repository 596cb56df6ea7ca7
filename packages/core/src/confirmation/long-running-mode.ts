import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { Event } from '../types/event.js';

/**
 * What a long-running call does to its turn once it returned its first result: `'pause'` stops the
 * invocation until a client sends the call's final result; `'continue'` lets the model go on with
 * the first result (it tells the person the work started), and the final result, sent later by a
 * client as a `functionResponse`, resumes the invocation then (Google ADK's behaviour).
 */
export type LongRunningMode = 'pause' | 'continue';

/**
 * `customMetadata` key of a model's call event: the ids of its long-running calls whose turn went
 * on (`'continue'`). Their requests stay pending across later messages until answered.
 */
export const LONG_RUNNING_CONTINUE_KEY = 'ferrite.longRunningContinue';

/** Throws InvalidArgumentError unless `value` is a long-running mode (or absent). */
export function validateLongRunningMode(value: unknown, what: string): void {
  if (value !== undefined && value !== 'pause' && value !== 'continue') {
    throw new InvalidArgumentError(
      `${what} must be 'pause' or 'continue', got ${JSON.stringify(value) ?? typeof value}`,
    );
  }
}

/** The ids of an event's long-running calls that let the turn go on. */
export function continuedCallIds(event: Pick<Event, 'customMetadata'>): readonly string[] {
  const ids = event.customMetadata?.[LONG_RUNNING_CONTINUE_KEY];
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * True when an event leaves the invocation waiting: it holds a long-running id (a confirmation
 * request or a long-running call) that is not a call whose turn went on.
 */
export function isPausingEvent(
  event: Pick<Event, 'longRunningToolIds' | 'customMetadata'>,
): boolean {
  const ids = event.longRunningToolIds;
  if (!ids || ids.length === 0) return false;
  const continued = continuedCallIds(event);
  return continued.length === 0 || ids.some((id) => !continued.includes(id));
}
