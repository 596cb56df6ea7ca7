import { createServer, type Server } from 'node:http';
import { InvalidArgumentError } from '@ferrite/core';
import type { AddressInfo } from 'node:net';
import type { FerriteHandler } from '../handler/create-handler.js';
import { hostCheck, isLoopbackHost } from '../http/host-check.js';
import { errorResponse } from '../http/responses.js';
import { toNodeListener, type FetchHandler, type NodeListenerOptions } from './to-node-listener.js';

/** Options of {@link serve}. */
export interface ServeOptions extends NodeListenerOptions {
  /** The handler to serve; a {@link FerriteHandler} also gets its runs drained on close. */
  handler: FetchHandler | FerriteHandler;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1` (loopback only); `0.0.0.0` exposes the server. */
  host?: string;
  /**
   * Host names answered besides loopback ones. Bound to a loopback address, the server answers
   * only `localhost`, `127.x.x.x` and `[::1]` (with any port) unless this adds names, so a page
   * re-pointing its own name at 127.0.0.1 (DNS rebinding) gets 403 `host.not_allowed`; bound
   * elsewhere, `Host` is checked only when this (or the handler's own `allowedHosts`) names
   * some. The handler's `allowedHosts` are answered too. `['*']` answers every name.
   */
  allowedHosts?: readonly string[];
  /** How long `close()` lets running runs finish before cancelling them (default 10 000 ms). */
  shutdownGraceMs?: number;
  /**
   * How long a client may take to send its whole request, headers and body (default 30 000 ms);
   * a slower one gets 408 and the connection is closed. The answer (an SSE stream) is not
   * limited by it.
   */
  requestTimeoutMs?: number;
}

/** A listening server. */
export interface RunningServer extends AsyncDisposable {
  /** The underlying `node:http` server. */
  readonly server: Server;
  /** The port it listens on (the one picked when 0 was asked). */
  readonly port: number;
  /** The address it is bound to. */
  readonly host: string;
  /** Like `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Stops accepting connections, lets runs finish (up to the grace period), then closes. */
  close(): Promise<void>;
}

/**
 * Serves a handler over `node:http`, on 127.0.0.1 unless told otherwise.
 *
 * @example
 * ```ts
 * await using server = await serve({ handler: createHandler({ apps: runner }), port: 0 });
 * await fetch(`${server.url}/health`);
 * ```
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  if (!Number.isInteger(requestTimeout) || requestTimeout <= 0) {
    throw new InvalidArgumentError(
      `requestTimeoutMs must be a positive integer, got ${String(options.requestTimeoutMs)}`,
    );
  }
  const server = createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(requestTimeout, 60_000),
      // Node checks the timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(requestTimeout / 4))),
    },
    toNodeListener(
      guardHost(options.handler, host, [
        ...(options.allowedHosts ?? []),
        ...((options.handler as Partial<FerriteHandler>).allowedHosts ?? []),
      ]),
      options.maxDrainBytes !== undefined ? { maxDrainBytes: options.maxDrainBytes } : {},
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const handler = options.handler as Partial<FerriteHandler>;
      if (typeof handler.close === 'function') {
        await handler.close({ graceMs: options.shutdownGraceMs ?? 10_000 });
      }
      // Let the last frames of cancelled streams go out before the sockets are cut.
      // Connections that went idle since (keep-alive after the last response) are closed as
      // they appear; busy ones get a moment to flush.
      const poll = setInterval(() => server.closeIdleConnections(), 25);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopped, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
      clearTimeout(timer);
      clearInterval(poll);
      server.closeAllConnections();
      await stopped;
    })());
  return {
    server,
    port,
    host,
    url: `http://${shown}:${port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The handler behind the `Host` check that the bound address and `allowedHosts` call for. */
function guardHost(
  handler: FetchHandler,
  host: string,
  allowedHosts: readonly string[],
): FetchHandler {
  if (allowedHosts.length === 0 && !isLoopbackHost(host)) return handler;
  const check = hostCheck(allowedHosts);
  return async (request) => {
    const refusal = check(request);
    return refusal ? errorResponse(refusal) : handler(request);
  };
}
