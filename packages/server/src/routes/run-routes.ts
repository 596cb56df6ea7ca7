import { SessionNotFoundError, toFerriteError, type Event } from '@ferrite/core';
import { Subscription } from 'rxjs';
import type { RequestContext } from '../handler/request-context.js';
import type { ServedRunner } from '../handler/served-runner.js';
import { HttpError } from '../http/http-error.js';
import { asObject, bodyField, message, name, optionalObject } from '../http/parse.js';
import { jsonResponse } from '../http/responses.js';
import { runEventStream } from '../sse/run-event-stream.js';
import { SSE_HEADERS } from '../sse/sse-frames.js';

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
    userId: context.authorizedUserId ?? name(bodyField(body, 'userId'), 'userId'),
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

function start(run: RunRequest, streaming: boolean) {
  return run.runner.run(run.userId, run.sessionId, run.newMessage, {
    ...(run.stateDelta ? { stateDelta: run.stateDelta } : {}),
    runConfig: { streamingMode: streaming ? 'sse' : 'none' },
  });
}

/** `POST /run` — runs to completion and answers every stored event as a JSON array. */
export async function runToCompletion(context: RequestContext): Promise<Response> {
  const run = await readRunRequest(context);
  const events: Event[] = [];
  const signal = context.request.signal;
  const tracker = context.settings.tracker;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const subscription = new Subscription();
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      subscription.unsubscribe();
      settle();
    };
    // The client went away: cancel the run; nobody reads the answer.
    const onAbort = (): void => finish(resolve);
    signal.addEventListener('abort', onAbort, { once: true });
    subscription.add(() => signal.removeEventListener('abort', onAbort));
    subscription.add(
      tracker.add({
        cancel: (reason) => finish(() => reject(new HttpError(reason, { status: 503 }))),
      }),
    );
    if (signal.aborted) return onAbort();
    subscription.add(
      start(run, false).subscribe({
        next: (event) => {
          if (!event.partial) events.push(event);
        },
        error: (error: unknown) => finish(() => reject(toFerriteError(error))),
        complete: () => finish(resolve),
      }),
    );
  });
  return jsonResponse(events);
}

/**
 * `POST /run_sse` — streams the run as Server-Sent Events; partial events only when the body
 * says `streaming: true` (ADK's default is false).
 */
export async function runWithEvents(context: RequestContext): Promise<Response> {
  const run = await readRunRequest(context);
  const stream = runEventStream(start(run, run.streaming), {
    pingIntervalMs: context.settings.pingIntervalMs,
    highWaterMark: context.settings.sseHighWaterMark,
    signal: context.request.signal,
    tracker: context.settings.tracker,
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
