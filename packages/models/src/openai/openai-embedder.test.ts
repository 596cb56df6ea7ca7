import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError, ModelError } from '@ferrite/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIEmbedder } from './openai-embedder.js';

interface EmbeddingsRequest {
  model: string;
  input: string[];
  dimensions?: number;
  encoding_format?: string;
}
type Handler = (
  request: EmbeddingsRequest,
  response: ServerResponse,
  headers: IncomingMessage['headers'],
) => void;

/** A local server speaking the OpenAI `/embeddings` protocol; each request is answered by the next handler. */
async function startEmbeddingsServer(handlers: Handler[]) {
  const requests: { body: EmbeddingsRequest; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url !== '/v1/embeddings' || request.method !== 'POST') {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as EmbeddingsRequest;
      requests.push({ body, headers: request.headers });
      const handler = handlers[Math.min(requests.length - 1, handlers.length - 1)]!;
      handler(body, response, request.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A deterministic fake embedding: character codes folded into `dimensions` buckets. */
function fakeVector(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let i = 0; i < text.length; i++) vector[i % dimensions]! += text.charCodeAt(i);
  return vector;
}

const ok =
  (dimensions = 4, shuffle = false): Handler =>
  (request, response) => {
    const data = request.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: fakeVector(text, dimensions),
    }));
    if (shuffle) data.reverse();
    json(response, 200, {
      object: 'list',
      data,
      model: request.model,
      usage: { prompt_tokens: 1, total_tokens: 1 },
    });
  };
const fail =
  (status: number, headers: Record<string, string> = {}, message = 'try later'): Handler =>
  (_request, response) =>
    json(response, status, { error: { message, type: 'server_error' } }, headers);

function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

describe('OpenAIEmbedder', () => {
  let server: Awaited<ReturnType<typeof startEmbeddingsServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('posts batches to /embeddings and returns vectors in input order', async () => {
    server = await startEmbeddingsServer([ok(4, true)]);
    const embedder = new OpenAIEmbedder({
      baseURL: `${server.baseURL}/`,
      apiKey: 'sk-test',
      model: 'local-model',
      dimensions: 4,
      batchSize: 2,
    });
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
    expect(await embedder.embed(texts)).toEqual(texts.map((text) => fakeVector(text, 4)));
    expect(server.requests.map((request) => request.body.input)).toEqual([
      ['a', 'bb'],
      ['ccc', 'dddd'],
      ['eeeee'],
    ]);
    expect(server.requests[0]!.headers['authorization']).toBe('Bearer sk-test');
    expect(server.requests[0]!.body).toMatchObject({
      model: 'local-model',
      encoding_format: 'float',
    });
    expect(server.requests[0]!.body.dimensions).toBeUndefined();
    expect(await embedder.embed([])).toEqual([]);
    expect(server.requests).toHaveLength(3);
  });

  it('sends dimensions to text-embedding-3 models and knows their default size', async () => {
    server = await startEmbeddingsServer([ok(8)]);
    const shortened = new OpenAIEmbedder({
      baseURL: server.baseURL,
      model: 'text-embedding-3-small',
      dimensions: 8,
    });
    await shortened.embed(['x']);
    expect(server.requests[0]!.body.dimensions).toBe(8);
    expect(server.requests[0]!.headers['authorization']).toBeUndefined();
    expect(
      new OpenAIEmbedder({ baseURL: server.baseURL, model: 'text-embedding-3-large' }).dimensions,
    ).toBe(3072);
    expect(() => new OpenAIEmbedder({ baseURL: server!.baseURL, model: 'mystery' })).toThrow(
      InvalidArgumentError,
    );
  });

  it('retries a 429, honouring Retry-After, then succeeds', async () => {
    server = await startEmbeddingsServer([fail(429, { 'retry-after': '0' }), ok()]);
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      model: 'm',
      dimensions: 4,
      retry: { initialDelayMs: 60_000 },
    });
    // A 60 s backoff would time the test out: the server's Retry-After of 0 s is what is used.
    expect(await embedder.embed(['hello'])).toEqual([fakeVector('hello', 4)]);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after maxRetries on a 500 with a retryable ModelError', async () => {
    server = await startEmbeddingsServer([fail(500)]);
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      model: 'm',
      dimensions: 4,
      retry: { maxRetries: 2, initialDelayMs: 1 },
    });
    const failure = await embedder.embed(['hello']).catch((error: unknown) => error);
    expect(ModelError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 500, retryable: true });
    expect((failure as Error).message).toContain('try later');
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 400, and keeps the API key out of the message', async () => {
    server = await startEmbeddingsServer([
      fail(401, {}, 'Incorrect API key provided: sk-secret-value-123'),
    ]);
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      apiKey: 'sk-secret-value-123',
      model: 'm',
      dimensions: 4,
    });
    const failure = await embedder.embed(['hello']).catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 401, retryable: false });
    expect((failure as Error).message).not.toContain('secret-value');
    expect(server.requests).toHaveLength(1);
  });

  it('rejects a response of the wrong shape', async () => {
    server = await startEmbeddingsServer([ok(3)]);
    const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, model: 'm', dimensions: 4 });
    await expect(embedder.embed(['x'])).rejects.toSatisfy((error) => ModelError.isInstance(error));
  });

  it('stops waiting between attempts when the signal aborts', async () => {
    server = await startEmbeddingsServer([fail(503, { 'retry-after': '20' })]);
    const embedder = new OpenAIEmbedder({ baseURL: server.baseURL, model: 'm', dimensions: 4 });
    const controller = new AbortController();
    const pending = embedder.embed(['x'], { signal: controller.signal });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.requests).toHaveLength(1);
  });

  it('gives up on an attempt that gets no answer within timeoutMs, and retries it', async () => {
    const silent: Handler = () => undefined; // Never answers.
    server = await startEmbeddingsServer([silent, ok()]);
    const embedder = new OpenAIEmbedder({
      baseURL: server.baseURL,
      model: 'm',
      dimensions: 4,
      timeoutMs: 100,
      retry: { initialDelayMs: 1 },
    });
    expect(await embedder.embed(['late'])).toEqual([fakeVector('late', 4)]);
    expect(server.requests).toHaveLength(2);

    const stalled = await startEmbeddingsServer([silent]);
    const failure = await new OpenAIEmbedder({
      baseURL: stalled.baseURL,
      model: 'm',
      dimensions: 4,
      timeoutMs: 100,
      retry: { maxRetries: 1, initialDelayMs: 1 },
    })
      .embed(['x'])
      .catch((error: unknown) => error);
    await stalled.close();
    expect(ModelError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ retryable: true });
    expect((failure as Error).message).toContain('did not answer within 100 ms');
    expect(stalled.requests).toHaveLength(2);
  });

  it('treats a refused connection as a retryable ModelError', async () => {
    const embedder = new OpenAIEmbedder({
      baseURL: 'http://127.0.0.1:9/v1',
      model: 'm',
      dimensions: 4,
      retry: { maxRetries: 1, initialDelayMs: 1 },
    });
    const failure = await embedder.embed(['x']).catch((error: unknown) => error);
    expect(ModelError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ retryable: true });
    expect((failure as Error).cause).toBeDefined();
  });
});
