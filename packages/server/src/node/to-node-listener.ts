import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FerriteErrorCode } from '@ferrite/core';

/** A Fetch-API handler, as {@link createHandler} returns. */
export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Serves a Fetch-API handler from `node:http`: the request body streams in, the request's
 * signal aborts when the client goes away, and the response streams out with back-pressure
 * (the next chunk is read only once the socket has drained).
 *
 * @example
 * ```ts
 * http.createServer(toNodeListener(createHandler({ apps: runner }))).listen(8080, '127.0.0.1');
 * ```
 */
export function toNodeListener(
  handler: FetchHandler,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (req, res) => {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let request: Request;
    try {
      request = toRequest(req, controller.signal);
    } catch {
      // A Host header that makes no URL, or a method the Fetch API refuses (TRACE, TRACK):
      // the client's fault, and it must not escape the listener as an uncaught exception.
      const method = (req.method ?? '').toUpperCase();
      if (UNSUPPORTED_METHODS.has(method)) {
        refuse(res, 501, { error: `${method} is not supported`, code: 'not_implemented' });
      } else {
        refuse(res, 400, { error: 'malformed request target or Host', code: 'invalid_argument' });
      }
      return;
    }
    void respond(handler, request, res).catch((error: unknown) => {
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

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const host = req.headers.host ?? 'localhost';
  const url = new URL(req.url ?? '/', `http://${host}`);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(key, item);
    else headers.set(key, value);
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const init: RequestInit & { duplex?: 'half' } = { method: req.method ?? 'GET', headers, signal };
  if (hasBody) {
    init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
    // Node's fetch needs `duplex` to accept a streaming request body.
    init.duplex = 'half';
  }
  return new Request(url, init);
}

async function respond(
  handler: FetchHandler,
  request: Request,
  res: ServerResponse,
): Promise<void> {
  const response = await handler(request);
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key === 'set-cookie') return;
    headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
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
