import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the local server received, body parsed as JSON. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query. */
  url: string;
  /** Request headers, lower-cased. */
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (undefined when empty). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on the parsed body structurally
  body: any;
}

/** A node:http server on port 0 that records requests and answers with `handler`. */
export interface LocalHttpServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Resolves when the client closes the connection of the request with this index. */
  closed(index: number): Promise<void>;
  /** Drops open connections and stops listening. */
  close(): Promise<void>;
}

/** Starts a server that speaks whatever wire format `handler` writes. */
export async function startLocalServer(
  handler: (
    request: RecordedRequest,
    response: ServerResponse,
    index: number,
  ) => void | Promise<void>,
): Promise<LocalHttpServer> {
  const requests: RecordedRequest[] = [];
  const closings = new Map<number, Promise<void>>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      const index = requests.push(recorded) - 1;
      closings.set(index, new Promise((resolve) => res.on('close', () => resolve())));
      void Promise.resolve(handler(recorded, res, index)).catch((error: unknown) => {
        res.destroy(error as Error);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    closed: async (index) => {
      while (!closings.has(index)) await new Promise((resolve) => setTimeout(resolve, 5));
      return closings.get(index)!;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Writes SSE headers and then each `data:` line, optionally pausing between them. */
export async function writeSse(
  response: ServerResponse,
  data: string[],
  pauseMs = 0,
): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const item of data) {
    response.write(`data: ${item}\n\n`);
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** Collects everything a model yields. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
