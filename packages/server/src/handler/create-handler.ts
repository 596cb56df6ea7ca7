import {
  InvalidArgumentError,
  isValidName,
  toFerriteError,
  type FerriteError,
} from '@ferrite/core';
import { isLogger, type Logger } from '@ferrite/core';
import { withRequestLog } from '../telemetry/request-log.js';
import { corsHeaders, originRefusal, preflightResponse, type CorsOptions } from '../http/cors.js';
import { hostCheck } from '../http/host-check.js';
import { HttpError } from '../http/http-error.js';
import { name } from '../http/parse.js';
import { readJsonBody, requireJsonType } from '../http/read-body.js';
import { errorResponse, jsonResponse } from '../http/responses.js';
import * as artifacts from '../routes/artifact-routes.js';
import * as runs from '../routes/run-routes.js';
import { attachToRun } from '../routes/attach-routes.js';
import { resolveRuns, type RunsOptions } from '../runs/runs-options.js';
import * as pending from '../routes/pending-routes.js';
import * as sessions from '../routes/session-routes.js';
import { RunTracker } from '../sse/run-tracker.js';
import { DevUiFiles, type DevUiOptions } from '../dev/dev-ui-files.js';
import { DEV_ROUTES } from '../dev/dev-routes.js';
import type { SpanStore } from '../dev/span-store.js';
import type { HandlerSettings, RequestContext } from './request-context.js';
import { Router, type Route } from './router.js';
import { readiness, resolveReadiness, type ReadinessOptions } from './readiness.js';
import type { ServedRunner } from './served-runner.js';

/** What `authorize` may answer: allow, deny (403), fix the user id, or a ready Response. */
export type AuthorizeResult = void | undefined | boolean | { userId?: string } | Response;

/** What `authorize` is told about the request. */
export interface AuthorizeTarget {
  /** The route pattern, like `/apps/:app/users/:user/sessions`. */
  route: string;
  /** From the path (absent for `/run` and `/run_sse`, whose body names it). */
  appName?: string;
  /** From the path; `authorize` may answer another one to act as that user instead. */
  userId?: string;
}

/** Options of {@link createHandler}. */
export interface HandlerOptions {
  /** The runners to serve, by app name (each key must equal its runner's `appName`), or one. */
  apps: Readonly<Record<string, ServedRunner>> | ServedRunner;
  /**
   * CORS is off unless given. A request whose `Origin` is another site's and not allowed here
   * is refused with 403 `origin.not_allowed` before any route runs.
   */
  cors?: CorsOptions;
  /**
   * Host names the handler answers besides loopback ones (`localhost`, `127.x.x.x`, `[::1]`);
   * any other `Host` gets 403 `host.not_allowed` (against DNS rebinding). `['*']` answers every
   * name. Off unless given; {@link serve} turns it on for a loopback address by itself.
   */
  allowedHosts?: readonly string[];
  /**
   * Called before every route but `/health` and `/ready`. Throw an {@link HttpError} (401/403) or return
   * `false` (403) to reject, a Response to answer yourself, or `{ userId }` to make that the
   * user of the request whatever user it names.
   */
  authorize?: (
    request: Request,
    target: AuthorizeTarget,
  ) => AuthorizeResult | Promise<AuthorizeResult>;
  /**
   * What a request gets when it names another user (in its path or body) than the one
   * `authorize` fixed: `'replace'` (default) acts as the authorized user whatever the request
   * names, so an ADK client with a placeholder user works; `'forbid'` answers 403
   * `user.forbidden`, so a client learns it asked for someone else's data.
   */
  otherUser?: 'replace' | 'forbid';
  /** Largest accepted request body in bytes (default 4 MiB); larger ones get 413. */
  bodyLimit?: number;
  /**
   * Writes one line per request (method, path, status, duration, and the session, invocation and
   * trace ids when known); none by default. Failures still go to `onError`.
   */
  logger?: Logger;
  /** Interval of `: ping` comments on idle event streams (default 15 000 ms). */
  pingIntervalMs?: number;
  /** Bytes queued for a slow SSE client before its partial events are dropped (default 256 KiB). */
  sseHighWaterMark?: number;
  /** Mounts the routes under a prefix, like `/api`. */
  basePath?: string;
  /** Told of every failure answered with a 5xx (default: `console.error`). */
  onError?: (error: FerriteError, request: Request) => void;
  /** The spans the Dev UI's Traces tab reads (`/dev/apps/{app}/debug/trace/…`); none without. */
  spanStore?: SpanStore;
  /** Serves ADK's Dev UI from a folder at `/dev-ui/` (and redirects `/` there); off without. */
  devUi?: DevUiOptions;
  /**
   * The backend checks of the public `GET /ready` (200 when all pass, 503 when one fails or the
   * handler is shutting down); without them `/ready` only reports shutdown.
   */
  readiness?: ReadinessOptions;
  /** Runs whose client leaves: cancelled (default) or detached; how long they stay attachable. */
  runs?: RunsOptions;
}

/** A Fetch-API request handler that can also shut its runs down. */
export interface FerriteHandler {
  /** Answers one request; it never rejects (failures become `{ error, code }` answers). */
  (request: Request): Promise<Response>;
  /** Runs being served now (`/run` and `/run_sse`). */
  readonly activeRuns: number;
  /** The `allowedHosts` it was made with, which {@link serve} honours too. */
  readonly allowedHosts: readonly string[] | undefined;
  /**
   * Refuses new runs (503), waits up to `graceMs` (default 10 000) for the running ones to
   * finish, then cancels the rest (their streams end with an `unavailable` error frame).
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

type Action = (context: RequestContext) => Promise<Response>;

const SESSION = '/apps/:app/users/:user/sessions/:session';
const ARTIFACT = `${SESSION}/artifacts/:name`;

const ROUTES: Route<Action>[] = [
  { method: 'GET', path: '/health', action: async () => jsonResponse({ status: 'ok' }) },
  { method: 'GET', path: '/ready', action: readiness },
  {
    method: 'GET',
    path: '/list-apps',
    action: async (context) => jsonResponse([...context.settings.apps.keys()].sort()),
  },
  { method: 'GET', path: '/apps/:app/users/:user/sessions', action: sessions.listSessions },
  { method: 'POST', path: '/apps/:app/users/:user/sessions', action: sessions.createSession },
  { method: 'GET', path: SESSION, action: sessions.getSession },
  { method: 'POST', path: SESSION, action: sessions.createSessionWithId },
  { method: 'PATCH', path: SESSION, action: sessions.updateSession },
  { method: 'DELETE', path: SESSION, action: sessions.deleteSession },
  { method: 'POST', path: `${SESSION}/interrupt`, action: sessions.interruptSession },
  { method: 'GET', path: `${SESSION}/pending`, action: pending.listSessionPending },
  { method: 'GET', path: '/apps/:app/users/:user/pending', action: pending.listUserPending },
  { method: 'GET', path: `${SESSION}/events`, action: sessions.replayEvents },
  { method: 'GET', path: `${SESSION}/artifacts`, action: artifacts.listArtifacts },
  { method: 'GET', path: ARTIFACT, action: artifacts.loadArtifact },
  { method: 'DELETE', path: ARTIFACT, action: artifacts.deleteArtifact },
  { method: 'GET', path: `${ARTIFACT}/versions`, action: artifacts.listArtifactVersions },
  { method: 'GET', path: `${ARTIFACT}/versions/:version`, action: artifacts.loadArtifactVersion },
  { method: 'POST', path: '/run', action: runs.runToCompletion },
  { method: 'POST', path: '/run_sse', action: runs.runWithEvents },
  { method: 'GET', path: `${SESSION}/runs/:invocation/events`, action: attachToRun },
  ...DEV_ROUTES,
];

const PUBLIC_ROUTES = new Set(['/health', '/ready']);

/**
 * Creates the HTTP API of SPEC §9 as one framework-free Fetch-API handler: it runs in
 * `node:http` (through {@link toNodeListener}), Hono, Next.js, Bun or Deno.
 *
 * @example
 * ```ts
 * const handler = createHandler({ apps: runner });
 * await using server = await serve({ handler, port: 8080 });
 * ```
 */
export function createHandler(options: HandlerOptions): FerriteHandler {
  if (options.logger !== undefined && !isLogger(options.logger)) {
    throw new InvalidArgumentError('HandlerOptions.logger must be a Logger');
  }
  const tracker = new RunTracker();
  const settings: HandlerSettings = Object.freeze({
    apps: appsOf(options.apps),
    bodyLimit: positive(options.bodyLimit, 'bodyLimit') ?? 4 * 1024 * 1024,
    pingIntervalMs: positive(options.pingIntervalMs, 'pingIntervalMs') ?? 15_000,
    sseHighWaterMark: positive(options.sseHighWaterMark, 'sseHighWaterMark') ?? 256 * 1024,
    tracker,
    ...resolveRuns(options.runs, tracker),
    spanStore: options.spanStore,
    readiness: resolveReadiness(options.readiness),
    onError:
      options.onError ??
      ((error: FerriteError) => console.error(`[ferrite] ${error.code}:`, error.cause ?? error)),
  });
  const router = new Router(ROUTES);
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const checkHost = options.allowedHosts ? hostCheck(options.allowedHosts) : undefined;
  const devUi = options.devUi ? new DevUiFiles(options.devUi) : undefined;

  const handle = async (request: Request): Promise<Response> => {
    let response = await dispatch(request);
    if (request.method === 'HEAD' && response.body !== null) {
      await response.body.cancel();
      response = new Response(null, { status: response.status, headers: response.headers });
    }
    if (!options.cors) return response;
    return withHeaders(response, corsHeaders(options.cors, request));
  };

  const dispatch = async (request: Request): Promise<Response> => {
    try {
      const url = new URL(request.url);
      // Checked before anything else, so a refused request runs nothing and reads no body.
      const refusal = checkHost?.(request) ?? originRefusal(options.cors, request, url);
      if (refusal) throw refusal;
      if (options.cors && request.method === 'OPTIONS') {
        return preflightResponse(options.cors, request);
      }
      let pathname = url.pathname;
      if (basePath) {
        if (pathname !== basePath && !pathname.startsWith(`${basePath}/`)) throw notFound();
        pathname = pathname.slice(basePath.length) || '/';
      }
      // The UI's files are public like /health: a page must load before it can authenticate.
      const file = await devUi?.answer(request.method, pathname, basePath);
      if (file) return file;
      const match = router.match(request.method, pathname);
      if (match.kind === 'not_found') throw notFound();
      if (match.kind === 'method_not_allowed') {
        const response = errorResponse(
          new HttpError(`${request.method} is not allowed here`, { status: 405 }),
        );
        response.headers.set('allow', match.allow.join(', '));
        return response;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') requireJsonType(request);
      let authorizedUserId: string | undefined;
      if (options.authorize && !PUBLIC_ROUTES.has(match.route.path)) {
        const result = await options.authorize(request, {
          route: match.route.path,
          ...(match.params.app !== undefined ? { appName: match.params.app } : {}),
          ...(match.params.user !== undefined ? { userId: match.params.user } : {}),
        });
        if (result instanceof Response) return result;
        if (result === false) throw new HttpError('forbidden', { status: 403 });
        if (typeof result === 'object' && result.userId !== undefined) {
          if (!isValidName(result.userId)) {
            throw new InvalidArgumentError('authorize returned an invalid userId');
          }
          authorizedUserId = result.userId;
        }
      }
      const context: RequestContext = {
        request,
        url,
        params: match.params,
        authorizedUserId,
        userId: (named) => userOf(named, authorizedUserId, options.otherUser ?? 'replace'),
        settings,
        body: () => readJsonBody(request, settings.bodyLimit),
        runner: (appName) => runnerOf(settings.apps, appName),
      };
      return await match.route.action(context);
    } catch (error) {
      const response = errorResponse(error);
      // A client that went away mid-request (its body read then fails) is no server failure,
      // nor is a 503 of the server's own (shutting down); a backend that could not be reached
      // (a 503 with the driver's error as cause) is reported.
      const ferrite = toFerriteError(error);
      const reported =
        response.status >= 500 && (response.status !== 503 || ferrite.cause !== undefined);
      if (reported && !request.signal.aborted) settings.onError(ferrite, request);
      return response;
    }
  };

  return Object.defineProperties(withRequestLog(options.logger, handle), {
    activeRuns: { get: () => settings.tracker.size },
    allowedHosts: {
      value: options.allowedHosts ? Object.freeze([...options.allowedHosts]) : undefined,
    },
    close: {
      value: async (closeOptions: { graceMs?: number } = {}) =>
        settings.tracker
          .drain(closeOptions.graceMs ?? 10_000)
          .then(() => settings.liveRuns.cancelAll('the server is shutting down')),
    },
  }) as FerriteHandler;
}

/**
 * The response with extra headers. A Response that `authorize` made with `Response.redirect`
 * or got from `fetch` has immutable headers, so it is copied first rather than failing.
 */
function withHeaders(response: Response, extra: Record<string, string>): Response {
  const entries = Object.entries(extra);
  // `Response.error()` stands for a network failure; there is nothing to add headers to.
  if (entries.length === 0 || response.type === 'error') return response;
  try {
    for (const [key, value] of entries) response.headers.set(key, value);
    return response;
  } catch {
    const copy = new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    for (const [key, value] of entries) copy.headers.set(key, value);
    return copy;
  }
}

function appsOf(apps: HandlerOptions['apps']): ReadonlyMap<string, ServedRunner> {
  if (isRunner(apps)) return new Map([[apps.appName, apps]]);
  const map = new Map<string, ServedRunner>();
  for (const [key, runner] of Object.entries(apps)) {
    if (!isRunner(runner)) throw new InvalidArgumentError(`apps.${key} is not a Runner`);
    if (runner.appName !== key) {
      throw new InvalidArgumentError(
        `apps.${key} serves a Runner whose appName is ${JSON.stringify(runner.appName)}`,
      );
    }
    map.set(key, runner);
  }
  return map;
}

function isRunner(value: unknown): value is ServedRunner {
  const candidate = value as Partial<ServedRunner> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.run === 'function' &&
    typeof candidate.appName === 'string' &&
    typeof candidate.sessionService === 'object'
  );
}

function runnerOf(apps: ReadonlyMap<string, ServedRunner>, appName: unknown): ServedRunner {
  if (typeof appName !== 'string' || !isValidName(appName)) {
    throw new InvalidArgumentError(
      'appName must be 1-128 characters of [A-Za-z0-9._:-] and not only dots',
    );
  }
  const runner = apps.get(appName);
  if (!runner) {
    throw new HttpError(`app ${JSON.stringify(appName)} not found`, {
      code: 'app.not_found',
    });
  }
  return runner;
}

function userOf(
  named: unknown,
  authorized: string | undefined,
  otherUser: 'replace' | 'forbid',
): string {
  if (authorized === undefined) return name(named, 'userId');
  if (otherUser === 'forbid' && named !== undefined && named !== null && named !== authorized) {
    throw new HttpError(
      `this request is authorized as user ${JSON.stringify(authorized)} and cannot act as ${JSON.stringify(named)}`,
      { code: 'user.forbidden' },
    );
  }
  return authorized;
}

function notFound(): HttpError {
  return new HttpError('no such route', { status: 404 });
}

function positive(value: number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`${field} must be a positive number`);
  }
  return value;
}
