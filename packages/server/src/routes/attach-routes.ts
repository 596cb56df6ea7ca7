import type { RequestContext } from '../handler/request-context.js';
import { name } from '../http/parse.js';
import { primed } from '../runs/primed.js';
import { runEventStream } from '../sse/run-event-stream.js';
import { SSE_HEADERS } from '../sse/sse-frames.js';

/** How long an attach waits for its run's first word before it starts the stream anyway. */
const PRIME_MS = 250;

/**
 * `GET …/sessions/{session}/runs/{invocationId}/events` — the events of a live or just-finished
 * run as Server-Sent Events, partials included while it is live, resuming after `Last-Event-ID`
 * (or `?after=`). A queued runner serves this from any node; otherwise the handler serves the
 * runs it started itself. Leaving never cancels the run. An unknown run is a 404 `run.not_found`.
 */
export async function attachToRun(context: RequestContext): Promise<Response> {
  const runner = context.runner(context.params.app);
  const userId = context.userId(context.params.user);
  const sessionId = name(context.params.session, 'sessionId');
  const invocationId = name(context.params.invocation, 'invocationId');
  const header = context.request.headers.get('last-event-id');
  const query = context.url.searchParams.get('after');
  const after = header !== null && header !== '' ? header : query !== '' ? query : null;
  const events$ =
    typeof runner.attach === 'function'
      ? runner.attach(userId, sessionId, invocationId, after !== null ? { after } : {})
      : context.settings.liveRuns.attach(
          invocationId,
          { appName: runner.appName, userId, sessionId },
          after ?? undefined,
        );
  const stream = runEventStream(await primed(events$, PRIME_MS), {
    pingIntervalMs: context.settings.pingIntervalMs,
    highWaterMark: context.settings.sseHighWaterMark,
    signal: context.request.signal,
    tracker: context.settings.tracker,
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
