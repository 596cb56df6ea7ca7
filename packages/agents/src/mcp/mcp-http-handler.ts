import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** Options of {@link createMcpHttpHandler}. */
export interface McpHttpHandlerOptions {
  /** Origins allowed to call (browsers send `Origin`); a request from any other origin gets 403. Default none. */
  allowedOrigins?: readonly string[];
  /** Largest request body in bytes (default the SDK's 4 MiB; larger gets 413). */
  maxRequestBodySize?: number;
}

/**
 * A node:http handler serving MCP over Streamable HTTP, stateless: every POST gets a fresh
 * server from `createServer` (e.g. `() => createMcpServer({ runner })`) and transport, both
 * closed when the response ends, so nothing is kept between requests. GET and DELETE (the
 * notification stream and session end, which need a session) are answered 405. A request
 * carrying an `Origin` that is not allowed is refused with 403, so a web page cannot drive it.
 *
 * @example
 * ```ts
 * const handle = createMcpHttpHandler(() => createMcpServer({ runner }));
 * http.createServer((req, res) => void handle(req, res)).listen(3001, '127.0.0.1');
 * ```
 */
export function createMcpHttpHandler(
  createServer: () => Server,
  options: McpHttpHandlerOptions = {},
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const origins = new Set(options.allowedOrigins ?? []);
  return async (request, response) => {
    const origin = request.headers.origin;
    if (origin !== undefined && !origins.has(origin)) {
      answer(response, 403, `Origin '${origin}' is not allowed`);
      return;
    }
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      answer(response, 405, 'This MCP endpoint is stateless: only POST is served');
      return;
    }
    const server = createServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      ...(options.maxRequestBodySize !== undefined
        ? { maxRequestBodySize: options.maxRequestBodySize }
        : {}),
    });
    response.once('close', () => {
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request, response);
    } catch (error) {
      if (!response.headersSent) answer(response, 500, (error as Error).message);
      else response.destroy();
    }
  };
}

function answer(response: ServerResponse, status: number, message: string): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}
