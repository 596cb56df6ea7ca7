import { SessionNotFoundError, pendingRequestsOf, type PendingRequest } from '@ferrite/core';
import type { RequestContext } from '../handler/request-context.js';
import { jsonResponse } from '../http/responses.js';
import { secondsOf } from '../wire/wire-times.js';
import { targetOf } from './session-routes.js';

/** A pending request as the wire carries it: its `timestamp` in seconds, as events are. */
function requestToWire(request: PendingRequest): PendingRequest {
  return { ...request, timestamp: secondsOf(request.timestamp) };
}

/**
 * `GET /apps/:app/users/:user/sessions/:session/pending` — what the session's paused invocation
 * waits for: an array of confirmations and long-running calls (empty when none); 404 when the
 * session does not exist. Answer one with a normal `/run` or `/run_sse` whose `newMessage`
 * holds the `functionResponse`.
 */
export async function listSessionPending(context: RequestContext): Promise<Response> {
  const { runner, appName, userId, sessionId } = targetOf(context);
  const session = await runner.sessionService.getSession({ appName, userId, sessionId });
  if (!session) throw new SessionNotFoundError(`session ${sessionId} not found`);
  return jsonResponse(pendingRequestsOf(session.events).map(requestToWire));
}

/**
 * `GET /apps/:app/users/:user/pending` — the user's inbox: `[{ sessionId, requests }]` for the
 * sessions of one listing page that wait for an answer; `?limit=&cursor=` page the sessions
 * read, and `x-next-cursor` names the next page as `GET …/sessions` does.
 */
export async function listUserPending(context: RequestContext): Promise<Response> {
  const { runner, appName, userId } = targetOf(context);
  const limit = context.url.searchParams.get('limit');
  const cursor = context.url.searchParams.get('cursor');
  const page = await runner.sessionService.listSessions({
    appName,
    userId,
    ...(limit !== null ? { limit: Number(limit) } : {}),
    ...(cursor !== null ? { cursor } : {}),
  });
  const inbox: { sessionId: string; requests: PendingRequest[] }[] = [];
  for (const listed of page.sessions) {
    const session = await runner.sessionService.getSession({
      appName,
      userId,
      sessionId: listed.id,
    });
    const requests = session ? pendingRequestsOf(session.events) : [];
    if (requests.length > 0)
      inbox.push({ sessionId: listed.id, requests: requests.map(requestToWire) });
  }
  const headers: Record<string, string> = {};
  if (page.nextCursor) headers['x-next-cursor'] = page.nextCursor;
  return jsonResponse(inbox, 200, headers);
}
