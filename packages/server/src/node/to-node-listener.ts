import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FerriteErrorCode } from '@ferrite/core';
import { RequestBody } from './request-body.js';

/** A Fetch-API handler, as {@link createHandler} returns. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Bytes of an unread request body the listener reads and discards after answering (a 413, a
   * 415, a refusal), so the client sees the answer rather than a reset; a longer body gets the
   * connection closed once this much is drained. Default 16 MiB.
   */
  maxDrainBytes?: number;
}

/** The request as Express and other routers leave it: a parsed body, the URL before mounting. */
interface RoutedRequest extends IncomingMessage {
  body?: unknown;
  originalUrl?: string;
}

/**
 * Serves a Fetch-API handler from `node:http`, Express or Connect: the request body streams in,
 * the request's signal aborts when the client goes away, and the response streams out with
 * back-pressure (the next chunk is read only once the socket has drained). Mounted under a
 * prefix (`app.use('/api', …)`), it reads the URL from `req.originalUrl`, so give the handler
 * the same `basePath`; behind a body parser it serves the body the parser left in `req.body`.
 *
 * @example
 * ```ts
 * http.createServer(toNodeListener(createHandler({ apps: runner }))).listen(8080, '127.0.0.1');
 * app.use('/api', toNodeListener(createHandler({ apps: runner, basePath: '/api' }))); // Express
 * ```
 */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => void {
  const maxDrainBytes = options.maxDrainBytes ?? 16 * 1024 * 1024;
  return (req: RoutedRequest, res) => {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const method = (req.method ?? 'GET').toUpperCase();
    if (UNSUPPORTED_METHODS.has(method)) {
      // A method the Fetch API refuses: the client's fault, never an uncaught exception.
      refuse(res, 501, { error: `${method} is not supported`, code: 'not_implemented' });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.originalUrl ?? req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
      refuse(res, 400, { error: 'malformed request target or Host', code: 'invalid_argument' });
      return;
    }
    const body = method === 'GET' || method === 'HEAD' ? undefined : RequestBody.of(req);
    if (body?.kind === 'lost') {
      refuse(res, 500, {
        error:
          'the request body was read by an earlier middleware that did not keep it in req.body; ' +
          'mount the Ferrite listener before body parsers, or after express.json()',
        code: 'internal',
      });
      return;
    }
    const request = new Request(url, {
      method,
      headers: headersOf(req, body?.kind === 'parsed'),
      signal: controller.signal,
      // Node's fetch needs `duplex` to accept a streaming request body.
      ...(body ? { body: body.stream, duplex: 'half' } : {}),
    });
    void respond(handler, request, req, res, body, maxDrainBytes).catch((error: unknown) => {
      console.error('[ferrite] response failed:', error);
      // Once a body has started, a JSON error would be spliced into it: cut the stream instead.
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error', code: 'internal' }));
    });
  };
}

/** Methods node:http delivers but the Fetch API's `Request` refuses to carry. */
const UNSUPPORTED_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

function refuse(
  res: ServerResponse,
  status: number,
  body: { error: string; code: FerriteErrorCode },
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify(body));
}

function headersOf(req: IncomingMessage, reserialized: boolean): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    // A body a parser re-serialized has its own length.
    if (reserialized && (key === 'content-length' || key === 'transfer-encoding')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(key, item);
    else headers.set(key, value);
  }
  return headers;
}

async function respond(
  handler: FetchHandler,
  request: Request,
  req: IncomingMessage,
  res: ServerResponse,
  body: RequestBody | undefined,
  maxDrainBytes: number,
): Promise<void> {
  const response = await handler(request);
  // The handler is done with a body it never read (or gave up on): drain it after the answer
  // instead of closing, which would reset a client still sending and lose the answer with it.
  const drain = body !== undefined && body.abandoned() && !req.complete;
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === 'set-cookie') return;
    if (drain && key === 'connection') return;
    headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (drain) body.drain(maxDrainBytes, res);
  if (!response.body) {
    res.end();
    return;
  }
  // Streams (SSE) must reach the client before their first event.
  res.flushHeaders();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const onClose = (): void => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  let corked = false;
  const uncork = (): void => {
    corked = false;
    res.uncork();
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      // Chunks that are already queued (a burst of events) leave in one socket write.
      if (!corked) {
        corked = true;
        res.cork();
        process.nextTick(uncork);
      }
      if (!res.write(value)) await drained(res);
    }
    res.end();
  } finally {
    res.off('close', onClose);
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
