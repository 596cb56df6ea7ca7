import { describe, it, expect } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveHono } from '@hono/node-server';
import type { Event, Session } from '@ferrite/core';
import { createHandler } from '../handler/create-handler.js';
import { toNodeListener } from '../node/to-node-listener.js';
import { echoAgent, makeRunner, message, postJson, readSse } from '../testing/server-fixtures.js';

// Each framework serves the one Fetch handler (`createHandler`) with the few lines of glue the
// server README shows, on a real server on 127.0.0.1:0, under the prefix /api; the same
// exchange runs against each: health, a session, a streamed /run_sse run, the guards.

const RUN = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('hi') };

/** What every framework must serve the same way. */
async function exerciseApi(base: string): Promise<void> {
  expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ status: 'ok' });
  expect((await fetch(`${base}/api/ready`)).status).toBe(200);

  const created = await postJson(`${base}/api/apps/app/users/u1/sessions`, {
    sessionId: 's1',
    state: { color: 'red' },
  });
  expect(created.status).toBe(200);
  expect(((await created.json()) as Session).state).toEqual({ color: 'red' });

  const streamed = await postJson(`${base}/api/run_sse`, { ...RUN, streaming: true });
  expect(streamed.status).toBe(200);
  expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events = (await readSse(streamed)).messages.map((m) => JSON.parse(m.data) as Event);
  expect(events.map((event) => event.partial ?? false)).toEqual([true, true, false]);
  expect(events[2]!.content!.parts[0]!.text).toBe('hi#0 hi#1 ');

  const session = (await (
    await fetch(`${base}/api/apps/app/users/u1/sessions/s1`)
  ).json()) as Session;
  expect(session.events.map((event) => event.author)).toEqual(['user', 'echo']);

  // The handler's own guards hold behind the framework: a text body is not JSON.
  const forged = await fetch(`${base}/api/run`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify(RUN),
  });
  expect(forged.status).toBe(415);
  expect((await fetch(`${base}/api/no-such-route`)).status).toBe(404);
}

function handlerUnderApi() {
  return createHandler({ apps: makeRunner(echoAgent('echo', 2)), basePath: '/api' });
}

/** A node server on 127.0.0.1:0, closed on dispose. */
async function listening(server: Server): Promise<{ url: string } & AsyncDisposable> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('framework adapters', () => {
  it('Fastify 5: the node listener on the raw request, taken before Fastify parses the body', async () => {
    const app = Fastify();
    const listener = toNodeListener(handlerUnderApi());
    // README: hijack the reply in onRequest, so Fastify neither reads the body nor answers.
    app.route({
      method: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/api/*',
      onRequest: (request, reply) => {
        reply.hijack();
        listener(request.raw, reply.raw);
      },
      handler: async () => undefined,
    });
    // Fastify's own routes, JSON parser included, keep working beside it.
    app.post('/echo', async (request) => ({ got: request.body }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    await using server = await listening(app.server);
    try {
      await exerciseApi(server.url);
      const echoed = await postJson(`${server.url}/echo`, { a: 1 });
      expect(await echoed.json()).toEqual({ got: { a: 1 } });
    } finally {
      await app.close();
    }
  });

  it('Hono on @hono/node-server: the Fetch handler on c.req.raw', async () => {
    const handler = handlerUnderApi();
    const app = new Hono();
    app.all('/api/*', (c) => handler(c.req.raw));
    app.get('/other', (c) => c.text('hono route'));
    const server = await new Promise<Server>((resolve) => {
      const started = serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started as Server),
      );
    });
    await using running = await listening(server);
    await exerciseApi(running.url);
    expect(await (await fetch(`${running.url}/other`)).text()).toBe('hono route');
  });

  it('Next.js App Router: route handlers GET/POST/... exporting the Fetch handler', async () => {
    // What app/api/[...ferrite]/route.ts exports (README); Next calls it with a Request.
    const handler = handlerUnderApi();
    const route = {
      GET: (request: Request) => handler(request),
      POST: (request: Request) => handler(request),
      PATCH: (request: Request) => handler(request),
      DELETE: (request: Request) => handler(request),
    };
    // Next itself is not installed here: a node:http bridge plays its part, making a Fetch
    // Request of each node request (streamed body) and streaming the Response back.
    const bridge = createServer((req: IncomingMessage, res: ServerResponse) => {
      const method = (req.method ?? 'GET') as keyof typeof route;
      const exported = route[method];
      if (!exported) {
        res.writeHead(405).end();
        return;
      }
      const controller = new AbortController();
      res.on('close', () => controller.abort());
      const hasBody = method !== 'GET' && method !== 'DELETE';
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method,
        headers: Object.entries(req.headers).flatMap(([name, value]) =>
          value === undefined ? [] : [[name, String(value)] as [string, string]],
        ),
        signal: controller.signal,
        ...(hasBody
          ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' }
          : {}),
      });
      void exported(request).then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        if (response.body) {
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            res.write(chunk);
          }
        }
        res.end();
      });
    });
    await using server = await listening(bridge);
    await exerciseApi(server.url);
  });
});
