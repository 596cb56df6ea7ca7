import { createRequire } from 'node:module';
import { getFunctionCalls, getFunctionResponses, type Agent } from '@ferrite/core';
import type { RequestContext } from '../handler/request-context.js';
import type { Route } from '../handler/router.js';
import { HttpError } from '../http/http-error.js';
import { name } from '../http/parse.js';
import { jsonResponse } from '../http/responses.js';
import { targetOf } from '../routes/session-routes.js';
import { agentAtPath, agentGraphDot, describeAgent } from './agent-graph.js';

type Action = (context: RequestContext) => Promise<Response>;

/** The server's version, from its package.json (same path from `src/dev` and `dist/dev`). */
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

/** `GET /version`, as ADK's server answers it (the Dev UI shows it in its side panel). */
async function version(): Promise<Response> {
  return jsonResponse({
    version: VERSION,
    language: 'typescript',
    language_version: `node ${globalThis.process?.versions?.node ?? 'unknown'}`,
  });
}

function rootAgentOf(context: RequestContext): { appName: string; agent: Agent } {
  const runner = context.runner(context.params.app);
  if (!runner.agent) {
    throw new HttpError(`app ${JSON.stringify(runner.appName)} does not expose its agent tree`, {
      status: 501,
    });
  }
  return { appName: runner.appName, agent: runner.agent };
}

/** `GET /dev/apps/:app/build_graph` — the agent tree (ADK's app info shape). */
async function buildGraph(context: RequestContext): Promise<Response> {
  const { appName, agent } = rootAgentOf(context);
  return jsonResponse({ name: appName, root_agent: describeAgent(agent) });
}

/**
 * `GET /dev/apps/:app/build_graph_image?dark_mode=&node=` — the DOT source of the agent
 * graph (of the agent at `node`, a `/` path, when given), keyed by that path and as `dotSrc`,
 * as ADK's JavaScript server answers; the UI renders the DOT in the page.
 */
async function buildGraphImage(context: RequestContext): Promise<Response> {
  const { agent } = rootAgentOf(context);
  const darkMode = context.url.searchParams.get('dark_mode') === 'true';
  const path = context.url.searchParams.get('node') ?? '';
  const target = path === '' ? agent : agentAtPath(agent, path);
  if (!target) throw new HttpError(`no agent at ${JSON.stringify(path)}`, { status: 404 });
  const dotSrc = agentGraphDot(target, { darkMode });
  return jsonResponse({ [path]: { dotSrc }, dotSrc });
}

/**
 * `GET /dev/apps/:app/users/:user/sessions/:session/events/:event/graph` — the agent graph
 * with what the event did highlighted (its author and the tools it called or answered).
 */
async function eventGraph(context: RequestContext): Promise<Response> {
  const { agent } = rootAgentOf(context);
  const { runner, appName, userId, sessionId } = targetOf(context);
  const eventId = name(context.params.event, 'eventId');
  const session = await runner.sessionService.getSession({ appName, userId, sessionId });
  const event = session?.events.find((candidate) => candidate.id === eventId);
  if (!event) throw new HttpError(`event ${JSON.stringify(eventId)} not found`, { status: 404 });
  const calls = getFunctionCalls(event);
  const responses = getFunctionResponses(event);
  const highlights: [string, string][] =
    calls.length > 0
      ? calls.map((call) => [event.author, call.name])
      : responses.length > 0
        ? responses.map((response) => [response.name, event.author])
        : [[event.author, '']];
  return jsonResponse({ dotSrc: agentGraphDot(agent, { highlights }) });
}

/** The user whose traces a request may read: the authorized one, if `authorize` fixed one. */
function traceFilter(context: RequestContext, appName: string | undefined) {
  return {
    ...(context.authorizedUserId !== undefined ? { userId: context.authorizedUserId } : {}),
    ...(appName !== undefined ? { appName } : {}),
  };
}

/** `GET [/dev/apps/:app]/debug/trace/session/:session` — the spans of the session's traces. */
async function sessionTrace(context: RequestContext): Promise<Response> {
  const appName =
    context.params.app === undefined ? undefined : context.runner(context.params.app).appName;
  const sessionId = name(context.params.session, 'sessionId');
  const store = context.settings.spanStore;
  return jsonResponse(store ? store.spansOfSession(sessionId, traceFilter(context, appName)) : []);
}

/**
 * `GET [/dev/apps/:app]/debug/trace/:event` — the attributes of the span that produced an
 * event, with its `trace_id` and `span_id` (404 when no span names the event).
 */
async function eventTrace(context: RequestContext): Promise<Response> {
  const appName =
    context.params.app === undefined ? undefined : context.runner(context.params.app).appName;
  const eventId = name(context.params.event, 'eventId');
  const found = context.settings.spanStore?.spanOfEvent(eventId);
  const filter = traceFilter(context, appName);
  const owner = found?.owner;
  const hidden =
    owner !== undefined &&
    ((filter.userId !== undefined &&
      owner.userId !== undefined &&
      owner.userId !== filter.userId) ||
      (filter.appName !== undefined &&
        owner.appName !== undefined &&
        owner.appName !== filter.appName));
  if (!found || hidden) {
    throw new HttpError(`no trace of event ${JSON.stringify(eventId)}`, { status: 404 });
  }
  const { span } = found;
  return jsonResponse({ ...span.attributes, trace_id: span.trace_id, span_id: span.span_id });
}

/** An empty list for the app's evaluation routes: Ferrite keeps no eval sets (yet). */
function emptyFor(body: unknown): Action {
  return async (context) => {
    context.runner(context.params.app);
    return jsonResponse(body);
  };
}

const DEV = '/dev/apps/:app';

/** The routes ADK's Dev UI calls besides the session, artifact and run routes. */
export const DEV_ROUTES: readonly Route<Action>[] = [
  { method: 'GET', path: '/version', action: version },
  { method: 'GET', path: `${DEV}/build_graph`, action: buildGraph },
  { method: 'GET', path: `${DEV}/build_graph_image`, action: buildGraphImage },
  {
    method: 'GET',
    path: `${DEV}/users/:user/sessions/:session/events/:event/graph`,
    action: eventGraph,
  },
  {
    method: 'GET',
    path: '/apps/:app/users/:user/sessions/:session/events/:event/graph',
    action: eventGraph,
  },
  { method: 'GET', path: `${DEV}/debug/trace/session/:session`, action: sessionTrace },
  { method: 'GET', path: `${DEV}/debug/trace/:event`, action: eventTrace },
  { method: 'GET', path: '/debug/trace/session/:session', action: sessionTrace },
  { method: 'GET', path: '/debug/trace/:event', action: eventTrace },
  { method: 'GET', path: `${DEV}/eval_sets`, action: emptyFor([]) },
  { method: 'GET', path: `${DEV}/eval_results`, action: emptyFor([]) },
  { method: 'GET', path: `${DEV}/metrics-info`, action: emptyFor({ metricsInfo: [] }) },
];
