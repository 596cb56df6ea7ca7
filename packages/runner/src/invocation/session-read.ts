import type { GetSessionOptions, Session, SessionService } from '@ferrite/core';

/**
 * The key of a session service's internal read for one run (the in-memory service offers it):
 * the session's events are a read-only view shared with the store instead of a copy, and the
 * run's appends through that service extend it. `Symbol.for`, so no package depends on another
 * for it; `@ferrite/session` names the same key.
 */
const LOAD_FOR_RUN = Symbol.for('@ferrite/session.loadForRun');

type LoadForRun = (options: GetSessionOptions) => Promise<Session | undefined>;

/**
 * Reads the session a run works on: through the service's read for runs when it has one and no
 * filter applies (no copy of the history per turn), else through `getSession`.
 */
export function readSessionForRun(
  service: SessionService,
  options: GetSessionOptions,
): Promise<Session | undefined> {
  const load = (service as { [LOAD_FOR_RUN]?: LoadForRun })[LOAD_FOR_RUN];
  return typeof load === 'function' && options.numRecentEvents === undefined
    ? load.call(service, options)
    : service.getSession(options);
}
