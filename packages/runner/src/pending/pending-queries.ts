import {
  InvalidArgumentError,
  SessionNotFoundError,
  pendingRequestsOf,
  validateName,
  type PendingRequest,
  type SessionService,
} from '@ferrite/core';

/** One session of a user's inbox with what its paused invocation waits for. */
export interface PendingSession {
  sessionId: string;
  requests: PendingRequest[];
}

/** A page of a user's inbox. */
export interface PendingInbox {
  /** Sessions of the page that wait for an answer (sessions without requests are left out). */
  sessions: PendingSession[];
  /** Passes to the next page; absent on the last one. */
  nextCursor?: string;
}

/** Options of {@link pendingInbox}: the session listing's page size and cursor. */
export interface PendingInboxOptions {
  /** Sessions read per page (1–1000; the session service's default when absent). */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** The requests one session waits for; SessionNotFoundError when it does not exist. */
export async function sessionPendingRequests(
  sessionService: SessionService,
  appName: string,
  userId: string,
  sessionId: string,
): Promise<PendingRequest[]> {
  validateName('userId', userId);
  validateName('sessionId', sessionId);
  const session = await sessionService.getSession({ appName, userId, sessionId });
  if (!session) {
    throw new SessionNotFoundError(`Session '${sessionId}' of user '${userId}' does not exist`);
  }
  return pendingRequestsOf(session.events);
}

/**
 * A user's inbox: one page of their sessions (newest first, as the session service lists them),
 * each read whole, keeping those that wait for an answer.
 */
export async function pendingInbox(
  sessionService: SessionService,
  appName: string,
  userId: string,
  options: PendingInboxOptions = {},
): Promise<PendingInbox> {
  validateName('userId', userId);
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('inbox options must be an object');
  }
  const page = await sessionService.listSessions({
    appName,
    userId,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
  });
  const sessions: PendingSession[] = [];
  for (const listed of page.sessions) {
    const session = await sessionService.getSession({ appName, userId, sessionId: listed.id });
    const requests = session ? pendingRequestsOf(session.events) : [];
    if (requests.length > 0) sessions.push({ sessionId: listed.id, requests });
  }
  return { sessions, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
}
