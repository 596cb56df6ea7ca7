import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, TargetError, textOf, type Event } from '@ferrite/core';
import { fakeContext } from '../testing/fake-context.js';
import { HttpAgent, type HttpAgentConfig } from './http-agent.js';

let server: Server;
let base: string;
const requests: { url: string; body: unknown; headers: IncomingMessage['headers'] }[] = [];
const hits = new Map<string, number>();
/** For each path: when each request arrived, and when the answer to it was sent. */
const timeline = new Map<string, { arrived: number; answered: number }[]>();

function answer(
  path: string,
  response: ServerResponse,
  status: number,
  body: string,
  headers = {},
): void {
  response.writeHead(status, headers);
  response.end(body);
  timeline.get(path)!.at(-1)!.answered = performance.now();
}

function sse(response: ServerResponse, chunks: string[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const chunk of chunks) response.write(chunk);
  response.end();
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  let raw = '';
  for await (const chunk of request) raw += String(chunk);
  const body: unknown = raw ? JSON.parse(raw) : undefined;
  const path = request.url ?? '/';
  requests.push({ url: path, body, headers: request.headers });
  const hit = (hits.get(path) ?? 0) + 1;
  hits.set(path, hit);
  timeline.set(path, [...(timeline.get(path) ?? []), { arrived: performance.now(), answered: 0 }]);
  const input = (body as { input?: string } | undefined)?.input;
  switch (path) {
    case '/json':
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ output: `echo: ${input}` }));
    case '/reported-error':
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(
        JSON.stringify({ type: 'error', error: 'quota used up', code: 'QUOTA' }),
      );
    case '/nested':
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(
        JSON.stringify({ choices: [{ message: { content: 'nested answer' } }] }),
      );
    case '/not-json':
      response.writeHead(200, { 'content-type': 'text/html' });
      return void response.end('<html>oops</html>');
    case '/bad-request':
      response.writeHead(400, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ error: 'input too long', code: 'INPUT_TOO_LONG' }));
    case '/flaky':
      if (hit === 1) {
        response.writeHead(503, { 'content-type': 'text/plain' });
        return void response.end('busy');
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ output: `after ${hit} tries` }));
    case '/unavailable':
      response.writeHead(503);
      return void response.end('down for maintenance');
    case '/busy':
      return answer(path, response, 503, 'busy');
    case '/retry-after':
      if (hit === 1) return answer(path, response, 429, 'slow down', { 'retry-after': '1' });
      return answer(path, response, 200, JSON.stringify({ output: 'waited' }));
    case '/huge-json':
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ output: 'x'.repeat(2 * 1024 * 1024) }));
    case '/huge-error':
      response.writeHead(500, { 'content-type': 'text/plain' });
      return void response.end('e'.repeat(2 * 1024 * 1024));
    case '/sse-huge':
      return sse(response, [
        'data: {"delta":"ok"}\n\n',
        `data: {"delta":"${'x'.repeat(2 * 1024 * 1024)}"}\n\n`,
        'data: [DONE]\n\n',
      ]);
    case '/slow':
      return; // never answers
    case '/slow-first':
      if (hit === 1) return; // the first attempt gets no answer
      response.writeHead(200, { 'content-type': 'application/json' });
      return void response.end(JSON.stringify({ output: `answered try ${hit}` }));
    case '/quota':
      return answer(path, response, 429, 'daily quota used up', { 'retry-after': '3600' });
    case '/sse':
      return sse(response, [
        'data: {"delta":"Hel"}\n\n',
        ': a comment\n\n',
        'event: message\ndata: {"delta":"lo"}\n\n',
        'data: {"other":"no text here"}\n\n',
        'data: {"delta":", world"}\n\n',
        'data: [DONE]\n\n',
        'data: {"delta":" (after done)"}\n\n',
      ]);
    case '/sse-openai':
      return sse(response, [
        'data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n',
        'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n',
        'data: {"choices":[{"delta":{"content":" there"}}]}\n\n',
        'data: [DONE]\n\n',
      ]);
    case '/sse-garbage':
      return sse(response, ['data: {"delta":"ok"}\n\n', 'data: not json at all\n\n']);
    case '/sse-error':
      return sse(response, [
        'data: {"delta":"part"}\n\n',
        'data: {"type":"error","error":"model overloaded","code":"OVERLOADED"}\n\n',
      ]);
    case '/sse-break':
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"delta":"first"}\n\n');
      setTimeout(() => response.socket?.destroy(), 50);
      return;
    case '/sse-slow':
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"delta":"first"}\n\n');
      return; // then nothing
    default:
      response.writeHead(404);
      response.end();
  }
}

beforeAll(async () => {
  server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
  hits.clear();
  timeline.clear();
});

function agent(config: Omit<HttpAgentConfig, 'name' | 'url'> & { path: string }): HttpAgent {
  const { path, ...rest } = config;
  return new HttpAgent({ name: 'remote', url: `${base}${path}`, ...rest });
}

function turn(
  target: HttpAgent,
  text: string,
  state: Record<string, unknown> = {},
): Promise<Event[]> {
  return lastValueFrom(target.run(fakeContext(target, text, { state })).pipe(toArray()));
}

async function failure(target: HttpAgent, text: string): Promise<TargetError> {
  const error: unknown = await turn(target, text).catch((e: unknown) => e);
  expect(TargetError.isInstance(error), `expected a TargetError, got ${String(error)}`).toBe(true);
  return error as TargetError;
}

describe('HttpAgent with JSON responses', () => {
  it('posts the default body and reads `output`', async () => {
    const events = await turn(agent({ path: '/json' }), 'hello', { topic: 'tides' });
    expect(events).toHaveLength(1);
    expect(textOf(events[0]!.content)).toBe('echo: hello');
    expect(events[0]!.partial).toBeFalsy();
    expect(requests[0]!.body).toEqual({
      type: 'input',
      input: 'hello',
      context: {
        sessionId: 's1',
        userId: 'u1',
        appName: 'app',
        invocationId: 'inv-1',
        state: { topic: 'tides' },
      },
    });
    expect(requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('fills a body template with JSON-safe values', async () => {
    const target = agent({
      path: '/json',
      bodyTemplate:
        '{"input":"{{input}}","who":"{{userId}} in {{sessionId}}","n":"{{state.count}}","missing":"{{state.nope}}","prefs":"{{state.prefs}}","tag":"v={{state.count}}"}',
      headers: { 'x-app': 'ferrite' },
    });
    const tricky = 'say "hi"\nand {{input}} \\ done';
    await turn(target, tricky, { count: 3, prefs: { lang: 'pt' } });
    expect(requests[0]!.body).toEqual({
      input: tricky,
      who: 'u1 in s1',
      n: 3,
      missing: null,
      prefs: { lang: 'pt' },
      tag: 'v=3',
    });
    expect(requests[0]!.headers['x-app']).toBe('ferrite');
  });

  it('reads the text at a path with array indexes', async () => {
    const events = await turn(
      agent({ path: '/nested', outputPath: 'choices[0].message.content' }),
      'x',
    );
    expect(textOf(events[0]!.content)).toBe('nested answer');
  });

  it('fails when the path finds nothing or the body is not JSON', async () => {
    const missing = await failure(agent({ path: '/nested', outputPath: 'choices[1].text' }), 'x');
    expect(missing.message).toContain('nothing at choices.1.text');
    const html = await failure(agent({ path: '/not-json' }), 'x');
    expect(html.message).toContain('non-JSON');
  });

  it('turns an error status into a TargetError with the reported code', async () => {
    const error = await failure(
      agent({ path: '/bad-request', retry: { maxRetries: 2, initialDelayMs: 1 } }),
      'x',
    );
    expect(error.message).toContain('HTTP 400');
    expect(error.targetCode).toBe('INPUT_TOO_LONG');
    expect(hits.get('/bad-request')).toBe(1); // 400 is not a retry status
  });

  it('retries a 503 and then succeeds', async () => {
    const events = await turn(
      agent({ path: '/flaky', retry: { maxRetries: 2, initialDelayMs: 10, statusCodes: [503] } }),
      'x',
    );
    expect(textOf(events[0]!.content)).toBe('after 2 tries');
    expect(hits.get('/flaky')).toBe(2);
  });

  it('turns a protocol error body into a TargetError', async () => {
    const error = await failure(agent({ path: '/reported-error' }), 'x');
    expect(error.targetCode).toBe('QUOTA');
    expect(error.message).toContain('quota used up');
  });

  it('does not retry without a retry config, and stops after the configured attempts', async () => {
    const once = await failure(agent({ path: '/unavailable' }), 'x');
    expect(once.message).toContain('HTTP 503: "down for maintenance"');
    expect(hits.get('/unavailable')).toBe(1);
    hits.clear();
    await failure(
      agent({ path: '/unavailable', retry: { maxRetries: 2, initialDelayMs: 5 } }),
      'x',
    );
    expect(hits.get('/unavailable')).toBe(3);
  });

  it('waits the backoff before each retry, doubling it', async () => {
    await failure(
      agent({ path: '/busy', retry: { maxRetries: 2, initialDelayMs: 150, jitter: 0 } }),
      'x',
    );
    const [first, second, third] = timeline.get('/busy')!;
    // Measured from the moment the 503 was sent to the next request's arrival; the 1 ms is
    // the timers' granularity.
    expect(second!.arrived - first!.answered).toBeGreaterThanOrEqual(150 - 1);
    expect(third!.arrived - second!.answered).toBeGreaterThanOrEqual(300 - 1);
  });

  it('retries only the configured status codes', async () => {
    const error = await failure(
      agent({ path: '/busy', retry: { maxRetries: 2, initialDelayMs: 1, statusCodes: [429] } }),
      'x',
    );
    expect(error.targetCode).toBe('http_503');
    expect(hits.get('/busy')).toBe(1);
  });

  it('honours Retry-After', async () => {
    const events = await turn(
      agent({ path: '/retry-after', retry: { maxRetries: 1, initialDelayMs: 1 } }),
      'x',
    );
    expect(textOf(events[0]!.content)).toBe('waited');
    const [first, second] = timeline.get('/retry-after')!;
    expect(second!.arrived - first!.answered).toBeGreaterThanOrEqual(1000 - 1);
  });

  it('refuses a response over maxMessageBytes and shows only part of a huge error body', async () => {
    const huge = await failure(agent({ path: '/huge-json' }), 'x');
    expect(huge.message).toContain(`is larger than ${1024 * 1024} bytes`);
    expect(huge.message.length).toBeLessThan(10_000);
    const error = await failure(agent({ path: '/huge-error' }), 'x');
    expect(error.message).toContain('HTTP 500');
    expect(error.message.length).toBeLessThan(10_000);
    const small = await failure(agent({ path: '/json', maxMessageBytes: 10 }), 'x');
    expect(small.message).toContain('is larger than 10 bytes');
  });

  it('finds nothing at a path naming an inherited property', async () => {
    const error = await failure(agent({ path: '/json', outputPath: 'constructor' }), 'x');
    expect(error.message).toContain('nothing at constructor');
  });

  it('retries network errors', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const target = new HttpAgent({
      name: 'gone',
      url: `http://127.0.0.1:${port}/x`,
      retry: { maxRetries: 1, initialDelayMs: 5 },
    });
    const error = await failure(target, 'x');
    expect(error.message).toContain('failed');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('times out', async () => {
    const error = await failure(agent({ path: '/slow', timeoutMs: 300 }), 'x');
    expect(error.message).toContain('timed out after 300 ms');
  });

  it('times out each attempt on its own and retries one that timed out before any output', async () => {
    const events = await turn(
      agent({ path: '/slow-first', timeoutMs: 200, retry: { maxRetries: 1, initialDelayMs: 1 } }),
      'x',
    );
    expect(textOf(events[0]!.content)).toBe('answered try 2');
    expect(hits.get('/slow-first')).toBe(2);
  });

  it('does not retry when Retry-After asks for more than maxDelayMs', async () => {
    const error = await failure(
      agent({ path: '/quota', retry: { maxRetries: 3, initialDelayMs: 1, maxDelayMs: 60_000 } }),
      'x',
    );
    expect(error.targetCode).toBe('http_429');
    expect(hits.get('/quota')).toBe(1);
  });

  it('aborts the request when the context signal aborts', async () => {
    const target = agent({ path: '/slow' });
    const controller = new AbortController();
    const done = lastValueFrom(
      target.run(fakeContext(target, 'x', { signal: controller.signal })).pipe(toArray()),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error('user cancelled'));
    const error: unknown = await done.catch((e: unknown) => e);
    expect(TargetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('cancelled');
  });

  it('rejects bad configuration', () => {
    expect(() => agent({ path: '/json', bodyTemplate: '{"input": {{input}}}' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => agent({ path: '/json', bodyTemplate: { x: '{{nope}}' } })).toThrow(
      /unknown placeholder/,
    );
    expect(() => agent({ path: '/json', outputPath: 'a..b' })).toThrow(InvalidArgumentError);
    expect(() => agent({ path: '/json', stream: 'ws' as never })).toThrow(InvalidArgumentError);
  });

  it('rejects an unset ${VAR} in headers', async () => {
    const target = agent({
      path: '/json',
      headers: { authorization: 'Bearer ${FERRITE_TEST_UNSET_KEY}' },
    });
    const error: unknown = await turn(target, 'x').catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(requests).toHaveLength(0);
  });
});

describe('HttpAgent with server-sent events', () => {
  it('streams deltas as partial events, honours [DONE] and ends with the whole text', async () => {
    const events = await turn(agent({ path: '/sse', stream: 'sse' }), 'x');
    expect(events.map((e) => [e.partial ?? false, textOf(e.content)])).toEqual([
      [true, 'Hel'],
      [true, 'lo'],
      [true, ', world'],
      [false, 'Hello, world'],
    ]);
    expect(requests[0]!.headers.accept).toBe('text/event-stream');
  });

  it('reads an OpenAI-style stream through outputPath', async () => {
    const events = await turn(
      agent({ path: '/sse-openai', stream: 'sse', outputPath: 'choices[0].delta.content' }),
      'x',
    );
    expect(textOf(events.at(-1)!.content)).toBe('Hi there');
    expect(events.filter((e) => e.partial)).toHaveLength(2);
  });

  it('fails on non-JSON data', async () => {
    const error = await failure(agent({ path: '/sse-garbage', stream: 'sse' }), 'x');
    expect(error.message).toContain('event 2');
    expect(error.message).toContain('is not JSON: "not json at all"');
  });

  it('fails with the code of an error event', async () => {
    const error = await failure(agent({ path: '/sse-error', stream: 'sse' }), 'x');
    expect(error.targetCode).toBe('OVERLOADED');
    expect(error.message).toContain('model overloaded');
  });

  it('does not retry once output has started', async () => {
    const target = agent({
      path: '/sse-break',
      stream: 'sse',
      retry: { maxRetries: 2, initialDelayMs: 5 },
    });
    const error = await failure(target, 'x');
    expect(error.message).toContain('broke');
    expect(hits.get('/sse-break')).toBe(1);
  });

  it('fails on an event over maxMessageBytes without retrying', async () => {
    const target = agent({
      path: '/sse-huge',
      stream: 'sse',
      retry: { maxRetries: 2, initialDelayMs: 1 },
    });
    const error = await failure(target, 'x');
    expect(error.message).toContain('bad event stream');
    expect(hits.get('/sse-huge')).toBe(1);
  });

  it('times out a stream that stalls', async () => {
    const error = await failure(agent({ path: '/sse-slow', stream: 'sse', timeoutMs: 300 }), 'x');
    expect(error.message).toContain('timed out after 300 ms');
  });
});
