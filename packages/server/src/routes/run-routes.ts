import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import {
  InvalidArgumentError,
  SessionNotFoundError,
  observableToAsyncIterable,
  toFerriteError,
  type Event,
} from '@ferrite/core';
import type { RequestContext } from '../handler/request-context.js';
import type { ServedRunner } from '../handler/served-runner.js';
import { HttpError } from '../http/http-error.js';
import { asObject, bodyField, message, name, optionalObject } from '../http/parse.js';
import { jsonResponse } from '../http/responses.js';
import { runEventStream } from '../sse/run-event-stream.js';
import { SSE_HEADERS } from '../sse/sse-frames.js';
import { observeRun } from '../telemetry/observe-run.js';
import { traceCarrierOf } from '../telemetry/request-trace.js';
import { eventToWire } from '../wire/wire-times.js';

interface RunRequest {
  runner: ServedRunner;
  userId: string;
  sessionId: string;
  newMessage: ReturnType<typeof message>;
  streaming: boolean;
  stateDelta: Record<string, unknown> | undefined;
  /** The run goes on when the client leaves (body `detach`, header, or the server's default). */
  detached: boolean;
}

/** The header that names a run's invocation id in the answer (attach to it with that id). */
export const INVOCATION_ID_HEADER = 'x-ferrite-invocation-id';

/** `detach: true|false` in the body wins, then the `x-ferrite-detach` header, then the server's `runs.onDisconnect`. */
function detachOf(context: RequestContext, body: Record<string, unknown>): boolean {
  const field = body.detach;
  if (field !== undefined && field !== null) {
    if (typeof field !== 'boolean') throw new InvalidArgumentError('detach must be a boolean');
    return field;
  }
  const header = context.request.headers.get('x-ferrite-detach')?.trim().toLowerCase();
  if (header !== undefined && header !== '') return header === 'true' || header === '1';
  return context.settings.runs.onDisconnect === 'continue';
}

/** The ADK run body `{ appName, userId, sessionId, newMessage, streaming, stateDelta }` (or snake_case). */
async function readRunRequest(context: RequestContext): Promise<RunRequest> {
  if (context.settings.tracker.closing) {
    throw new HttpError('the server is shutting down', { status: 503 });
  }
  const body = asObject(await context.body(), 'request body');
  const runner = context.runner(bodyField(body, 'appName'));
  const run: RunRequest = {
    runner,
    userId: context.userId(bodyField(body, 'userId')),
    sessionId: name(bodyField(body, 'sessionId'), 'sessionId'),
    newMessage: message(bodyField(body, 'newMessage')),
    streaming: body.streaming === true,
    stateDelta: optionalObject(bodyField(body, 'stateDelta'), 'stateDelta'),
    detached: detachOf(context, body),
  };
  if (runner.runConfig?.autoCreateSession === false) {
    // As ADK: a run on a missing session is a 404 before any stream starts.
    const session = await runner.sessionService.getSession({
      appName: runner.appName,
      userId: run.userId,
      sessionId: run.sessionId,
      numRecentEvents: 0,
    });
    if (!session) throw new SessionNotFoundError(`session ${run.sessionId} not found`);
  }
  return run;
}

/**
 * Starts the run under a fresh invocation id. A runner that can `attach` (queued) keeps the run
 * attachable from any node itself; otherwise the handler's live-run log does, in this process.
 */
function start(
  context: RequestContext,
  run: RunRequest,
  streaming: boolean,
  stream: boolean,
): { invocationId: string; events$: Observable<Event> } {
  const { request } = context;
  const invocationId = randomUUID();
  const traceContext = traceCarrierOf(request);
  const attachable = typeof run.runner.attach === 'function';
  const run$ = run.runner.run(run.userId, run.sessionId, run.newMessage, {
    ...(run.stateDelta ? { stateDelta: run.stateDelta } : {}),
    ...(traceContext ? { traceContext } : {}),
    runConfig: { streamingMode: streaming ? 'sse' : 'none' },
    invocationId,
    ...(attachable && run.detached ? { detached: true } : {}),
  });
  const fields = { appName: run.runner.appName, userId: run.userId, sessionId: run.sessionId };
  const observed = observeRun(request, run$, { stream, fields });
  return {
    invocationId,
    events$: attachable
      ? observed
      : context.settings.liveRuns.start(invocationId, fields, observed, run.detached),
  };
}

/** `POST /run` — runs to completion and answers every stored event as a JSON array. */
export async function runToCompletion(context: RequestContext): Promise<Response> {
  const run = await readRunRequest(context);
  const events: Event[] = [];
  const clientGone = context.request.signal;
  // The server shutting down cancels the run too, and answers 503.
  const shutdown = new AbortController();
  const { invocationId, events$ } = start(context, run, false, false);
  const untrack = context.settings.tracker.add({
    cancel: (reason) => shutdown.abort(new HttpError(reason, { status: 503 })),
  });
  try {
    const reading = observableToAsyncIterable(events$, {
      signal: AbortSignal.any([clientGone, shutdown.signal]),
    });
    for await (const event of reading) if (!event.partial) events.push(eventToWire(event));
  } catch (error) {
    if (shutdown.signal.aborted) throw shutdown.signal.reason;
    // The client went away: the run was cancelled; nobody reads the answer.
    if (!clientGone.aborted) throw toFerriteError(error);
  } finally {
    untrack();
  }
  const response = jsonResponse(events);
  response.headers.set(INVOCATION_ID_HEADER, invocationId);
  return response;
}

/**
 * `POST /run_sse` — streams the run as Server-Sent Events; partial events only when the body
 * says `streaming: true` (ADK's default is false).
 */
export async function runWithEvents(context: RequestContext): Promise<Response> {
  const run = await readRunRequest(context);
  const { invocationId, events$ } = start(context, run, run.streaming, true);
  const stream = runEventStream(events$, {
    pingIntervalMs: context.settings.pingIntervalMs,
    highWaterMark: context.settings.sseHighWaterMark,
    signal: context.request.signal,
    tracker: context.settings.tracker,
  });
  return new Response(stream, {
    headers: { ...SSE_HEADERS, [INVOCATION_ID_HEADER]: invocationId },
  });
}
