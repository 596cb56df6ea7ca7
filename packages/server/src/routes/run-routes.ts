import {
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

function start(run: RunRequest, streaming: boolean, request: Request, stream: boolean) {
  const traceContext = traceCarrierOf(request);
  const run$ = run.runner.run(run.userId, run.sessionId, run.newMessage, {
    ...(run.stateDelta ? { stateDelta: run.stateDelta } : {}),
    ...(traceContext ? { traceContext } : {}),
    runConfig: { streamingMode: streaming ? 'sse' : 'none' },
  });
  return observeRun(request, run$, {
    stream,
    fields: { appName: run.runner.appName, userId: run.userId, sessionId: run.sessionId },
  });
}

/** `POST /run` — runs to completion and answers every stored event as a JSON array. */
export async function runToCompletion(context: RequestContext): Promise<Response> {
  const run = await readRunRequest(context);
  const events: Event[] = [];
  const clientGone = context.request.signal;
  // The server shutting down cancels the run too, and answers 503.
  const shutdown = new AbortController();
  const untrack = context.settings.tracker.add({
    cancel: (reason) => shutdown.abort(new HttpError(reason, { status: 503 })),
  });
  try {
    const reading = observableToAsyncIterable(start(run, false, context.request, false), {
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
  return jsonResponse(events);
}

/**
 * `POST /run_sse` — streams the run as Server-Sent Events; partial events only when the body
 * says `streaming: true` (ADK's default is false).
 */
export async function runWithEvents(context: RequestContext): Promise<Response> {
  const run = await readRunRequest(context);
  const stream = runEventStream(start(run, run.streaming, context.request, true), {
    pingIntervalMs: context.settings.pingIntervalMs,
    highWaterMark: context.settings.sseHighWaterMark,
    signal: context.request.signal,
    tracker: context.settings.tracker,
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
