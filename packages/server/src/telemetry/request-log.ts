import { performance } from 'node:perf_hooks';
import { noopLogger, safeLog, type LogFields, type Logger } from '@ferrite/core';
import { traceCarrierOf, traceIdOf } from './request-trace.js';

const logs = new WeakMap<Request, RequestLog>();

const SESSION_PATH = /\/apps\/([^/]+)\/users\/([^/]+)(?:\/sessions\/([^/]+))?/;

/** The app, user and session a route path names (`/apps/{app}/users/{user}/sessions/{id}`). */
function idsInPath(pathname: string): Record<string, string> {
  const match = SESSION_PATH.exec(pathname);
  if (!match) return {};
  const ids: Record<string, string> = {};
  const decode = (value: string): string => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  ids.appName = decode(match[1]!);
  ids.userId = decode(match[2]!);
  if (match[3] !== undefined) ids.sessionId = decode(match[3]);
  return ids;
}

/**
 * The request log line of one request: method, path, status and duration, with the session,
 * invocation and trace ids the routes learn. Written when the response is handed back, or, for a
 * run streamed as events, when the stream ends (so its duration and invocation id are known).
 */
export class RequestLog {
  readonly #logger: Logger;
  readonly #started = performance.now();
  readonly #fields: Record<string, unknown>;
  #status: number | undefined;
  #waitForRun = false;
  #written = false;

  constructor(logger: Logger, request: Request) {
    this.#logger = logger;
    const url = new URL(request.url);
    const traceId = traceIdOf(traceCarrierOf(request));
    this.#fields = {
      method: request.method,
      path: url.pathname,
      ...idsInPath(url.pathname),
      ...(traceId ? { traceId } : {}),
    };
  }

  /** The log of a request, when the handler logs requests. */
  static of(request: Request): RequestLog | undefined {
    return logs.get(request);
  }

  /** Adds ids the route learned (session, user, app, invocation). */
  note(fields: LogFields): void {
    Object.assign(this.#fields, fields);
  }

  /** The response streams a run: the line waits for the run to end. */
  waitForRun(): void {
    this.#waitForRun = true;
  }

  /** The response is handed back. */
  respond(status: number): void {
    this.#status = status;
    if (!this.#waitForRun) this.#write();
  }

  /** The streamed run ended (completed, failed or the client went away). */
  runEnded(): void {
    this.#waitForRun = false;
    if (this.#status !== undefined) this.#write();
  }

  #write(): void {
    if (this.#written) return;
    this.#written = true;
    const status = this.#status ?? 0;
    safeLog(this.#logger, status >= 500 ? 'error' : 'info', 'request', {
      ...this.#fields,
      status,
      durationMs: Math.round((performance.now() - this.#started) * 1000) / 1000,
    });
  }
}

/**
 * The handler with a request log line per request; the handler itself when the logger is the
 * no-op one.
 */
export function withRequestLog<THandler extends (request: Request) => Promise<Response>>(
  logger: Logger | undefined,
  handler: THandler,
): THandler {
  if (logger === undefined || logger === noopLogger) return handler;
  return (async (request: Request) => {
    const log = new RequestLog(logger, request);
    logs.set(request, log);
    const response = await handler(request);
    log.respond(response.status);
    return response;
  }) as THandler;
}
