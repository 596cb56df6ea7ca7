import { randomUUID } from 'node:crypto';
import {
  InvalidArgumentError,
  SessionNotFoundError,
  StaleSessionError,
  toStorableJson,
  createEvent,
  validateContent,
  type Event,
  type Session,
} from '@ferrite/core';
import type { RequestContext } from '../handler/request-context.js';
import type { ServedRunner } from '../handler/served-runner.js';
import { asObject, bodyField, name, optionalObject } from '../http/parse.js';
import { jsonResponse } from '../http/responses.js';
import { SSE_HEADERS } from '../sse/sse-frames.js';
import { storedEventStream } from '../sse/run-event-stream.js';
import { eventInitFromWire, sessionToWire } from '../wire/wire-times.js';

/** The app, user and session a session route names, validated. */
export interface SessionTarget {
  /** The runner of the app. */
  runner: ServedRunner;
  /** The app name. */
  appName: string;
  /** The user (the one `authorize` fixed, if it did). */
  userId: string;
  /** The session id ('' on routes without one). */
  sessionId: string;
}

/** Resolves `/apps/:app/users/:user[/sessions/:session]` with the authorized user applied. */
export function targetOf(context: RequestContext): SessionTarget {
  const runner = context.runner(context.params.app);
  const userId = context.userId(context.params.user);
  const sessionId =
    context.params.session === undefined ? '' : name(context.params.session, 'sessionId');
  return { runner, appName: runner.appName, userId, sessionId };
}

async function loadSession(target: SessionTarget): Promise<Session> {
  const { runner, appName, userId, sessionId } = target;
  const session = await runner.sessionService.getSession({ appName, userId, sessionId });
  if (!session) throw new SessionNotFoundError(`session ${sessionId} not found`);
  return session;
}

/** `GET /apps/:app/users/:user/sessions` — an array (ADK); `?limit=&cursor=` page it. */
export async function listSessions(context: RequestContext): Promise<Response> {
  const { runner, appName, userId } = targetOf(context);
  const limit = context.url.searchParams.get('limit');
  const cursor = context.url.searchParams.get('cursor');
  const page = await runner.sessionService.listSessions({
    appName,
    userId,
    ...(limit !== null ? { limit: Number(limit) } : {}),
    ...(cursor !== null ? { cursor } : {}),
  });
  const headers: Record<string, string> = {};
  if (page.nextCursor) headers['x-next-cursor'] = page.nextCursor;
  return jsonResponse(page.sessions.map(sessionToWire), 200, headers);
}

/** `POST /apps/:app/users/:user/sessions` with `{ sessionId?, state?, events? }`. */
export async function createSession(context: RequestContext): Promise<Response> {
  const target = targetOf(context);
  const body = optionalObject(await context.body(), 'request body') ?? {};
  const requestedId = bodyField(body, 'sessionId');
  const sessionId =
    requestedId === undefined || requestedId === null ? undefined : name(requestedId, 'sessionId');
  const state = optionalObject(body.state, 'state');
  const events = body.events === undefined || body.events === null ? [] : body.events;
  if (!Array.isArray(events)) throw new InvalidArgumentError('events must be an array');
  return jsonResponse(sessionToWire(await create(target, sessionId, state, events)));
}

/** `POST /apps/:app/users/:user/sessions/:session` — the body, if any, is the initial state (ADK). */
export async function createSessionWithId(context: RequestContext): Promise<Response> {
  const target = targetOf(context);
  const state = optionalObject(await context.body(), 'state');
  return jsonResponse(sessionToWire(await create(target, target.sessionId, state, [])));
}

async function create(
  target: SessionTarget,
  sessionId: string | undefined,
  state: Record<string, unknown> | undefined,
  events: unknown[],
): Promise<Session> {
  const { runner, appName, userId } = target;
  // Everything is checked before the session exists, so a bad entry leaves nothing behind.
  const initial = events.map((init, index) => {
    const event = createEvent(eventInitFromWire(asObject(init, `events[${index}]`)));
    if (event.content !== undefined) validateContent(event.content, `events[${index}].content`);
    return event;
  });
  if (state !== undefined) toStorableJson(state, 'state');
  toStorableJson(initial, 'events');
  const session = await runner.sessionService.createSession({
    appName,
    userId,
    ...(sessionId !== undefined ? { sessionId } : {}),
    ...(state !== undefined ? { state } : {}),
  });
  try {
    for (const event of initial) await runner.sessionService.appendEvent({ session, event });
  } catch (error) {
    // The store refused an event (a repeated id, say): take back the session this call made.
    await runner.sessionService
      .deleteSession({ appName, userId, sessionId: session.id })
      .catch(() => undefined);
    throw error;
  }
  return session;
}

/** `GET /apps/:app/users/:user/sessions/:session`. */
export async function getSession(context: RequestContext): Promise<Response> {
  return jsonResponse(sessionToWire(await loadSession(targetOf(context))));
}

/** `DELETE /apps/:app/users/:user/sessions/:session` — idempotent, answers `null` (ADK). */
export async function deleteSession(context: RequestContext): Promise<Response> {
  const { runner, appName, userId, sessionId } = targetOf(context);
  await runner.sessionService.deleteSession({ appName, userId, sessionId });
  return jsonResponse(null);
}

/**
 * `PATCH /apps/:app/users/:user/sessions/:session` with `{ stateDelta }`: appends an event by
 * `user` carrying the delta (as ADK does), so the change is in the history; answers the session.
 */
export async function updateSession(context: RequestContext): Promise<Response> {
  const target = targetOf(context);
  const body = asObject(await context.body(), 'request body');
  const stateDelta = asObject(bodyField(body, 'stateDelta'), 'stateDelta');
  for (let attempt = 0; ; attempt++) {
    const session = await loadSession(target);
    const event = createEvent({
      invocationId: `p-${randomUUID()}`,
      author: 'user',
      actions: { stateDelta },
    });
    try {
      await target.runner.sessionService.appendEvent({ session, event });
      return jsonResponse(sessionToWire(session));
    } catch (error) {
      // A run appended meanwhile: read the session again and retry on the new revision.
      if (!StaleSessionError.isInstance(error) || attempt >= 4) throw error;
    }
  }
}

/** `POST /apps/:app/users/:user/sessions/:session/interrupt` — cancels the session's run. */
export async function interruptSession(context: RequestContext): Promise<Response> {
  const { runner, userId, sessionId } = targetOf(context);
  return jsonResponse({ interrupted: await runner.interrupt(userId, sessionId) });
}

/**
 * `GET /apps/:app/users/:user/sessions/:session/events?after=<eventId>` — the stored events
 * after that id (all without one) as Server-Sent Events; a `Last-Event-ID` header takes precedence
 * over `after`.
 */
export async function replayEvents(context: RequestContext): Promise<Response> {
  const session = await loadSession(targetOf(context));
  // An EventSource reconnects to the same URL (with its `?after=`) and says in Last-Event-ID
  // what it already has, so the header is the newer position and wins.
  const header = context.request.headers.get('last-event-id');
  const after = header !== null && header !== '' ? header : context.url.searchParams.get('after');
  let events: Event[] = session.events;
  if (after !== null && after !== '') {
    const index = events.findIndex((event) => event.id === after);
    if (index < 0)
      throw new InvalidArgumentError(`no event ${JSON.stringify(after)} in this session`);
    events = events.slice(index + 1);
  }
  return new Response(storedEventStream(events), { headers: SSE_HEADERS });
}
