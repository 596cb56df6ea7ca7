import type {
  AppendEventOptions,
  Event,
  GetSessionOptions,
  Session,
  SessionService,
} from '@ferrite/core';

/**
 * The key of a session service's internal read for one run (the in-memory service offers it):
 * the session's events are a read-only view shared with the store instead of a copy, and the
 * run's appends through that service extend it. `Symbol.for`, so no package depends on another
 * for it; `@ferrite/session` names the same key.
 */
const LOAD_FOR_RUN = Symbol.for('@ferrite/session.loadForRun');

type LoadForRun = (
  options: GetSessionOptions,
) => Session | undefined | Promise<Session | undefined>;

/**
 * Reads the session a run works on: through the service's read for runs when it has one and no
 * filter applies (no copy of the history per turn, and at once when the service reads at once),
 * else through `getSession`.
 */
export function readSessionForRun(
  service: SessionService,
  options: GetSessionOptions,
): Session | undefined | Promise<Session | undefined> {
  const load = (service as { [LOAD_FOR_RUN]?: LoadForRun })[LOAD_FOR_RUN];
  return typeof load === 'function' && options.numRecentEvents === undefined
    ? load.call(service, options)
    : service.getSession(options);
}

/**
 * The key of a session service's internal append that completes at once (the in-memory service
 * offers it): the stored event, or undefined when `appendEvent` must be called instead.
 * `@ferrite/session` names the same key.
 */
const APPEND_NOW = Symbol.for('@ferrite/session.appendNow');

/** A store append that completes at once: the stored event, or undefined to call `appendEvent`. */
export type AppendNow = (options: AppendEventOptions) => Event | undefined;

/** The service's append that completes at once, when it has one. */
export function appendNowOf(service: SessionService): AppendNow | undefined {
  const append = (service as { [APPEND_NOW]?: AppendNow })[APPEND_NOW];
  return typeof append === 'function' ? (options) => append.call(service, options) : undefined;
}
