import { describe, it, expect } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { Event, Session } from '@ferrite/core';
import { createHandler } from '../handler/create-handler.js';
import { echoAgent, makeRunner, message, postJson, readSse } from '../testing/server-fixtures.js';
import { toNodeListener } from './to-node-listener.js';

/** An Express app on 127.0.0.1:0, closed on dispose. */
async function listen(app: express.Express): Promise<{ url: string } & AsyncDisposable> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const RUN = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('hi') };

describe('toNodeListener in Express', () => {
  for (const parsed of [false, true]) {
    it(`serves the API mounted under /api ${parsed ? 'behind' : 'without'} express.json()`, async () => {
      const runner = makeRunner(echoAgent('echo', 2));
      const app = express();
      if (parsed) app.use(express.json());
      app.use('/api', toNodeListener(createHandler({ apps: runner, basePath: '/api' })));
      app.get('/other', (_request, response) => void response.send('express route'));
      await using server = await listen(app);

      expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${server.url}/other`)).text()).toBe('express route');

      const created = await postJson(`${server.url}/api/apps/app/users/u1/sessions`, {
        sessionId: 's1',
        state: { color: 'red' },
      });
      expect(created.status).toBe(200);
      expect(((await created.json()) as Session).state).toEqual({ color: 'red' });

      const streamed = await postJson(`${server.url}/api/run_sse`, { ...RUN, streaming: true });
      expect(streamed.status).toBe(200);
      expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = (await readSse(streamed)).messages.map((m) => JSON.parse(m.data) as Event);
      expect(events.map((event) => event.partial ?? false)).toEqual([true, true, false]);
      expect(events[2]!.content!.parts[0]!.text).toBe('hi#0 hi#1 ');

      const ran = await postJson(`${server.url}/api/run`, RUN);
      expect(ran.status).toBe(200);
      const session = (await (
        await fetch(`${server.url}/api/apps/app/users/u1/sessions/s1`)
      ).json()) as Session;
      expect(session.events.map((event) => event.author)).toEqual(['user', 'echo', 'user', 'echo']);

      // The guards hold behind a parser too: a text body is still not JSON.
      const forged = await fetch(`${server.url}/api/run`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(RUN),
      });
      expect(forged.status).toBe(415);
    });
  }

  it('applies the body limit to a body express.json() already parsed', async () => {
    const runner = makeRunner(echoAgent());
    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.use(
      '/api',
      toNodeListener(createHandler({ apps: runner, basePath: '/api', bodyLimit: 1024 })),
    );
    await using server = await listen(app);
    const big = await postJson(`${server.url}/api/run`, {
      ...RUN,
      newMessage: message('x'.repeat(5000)),
    });
    expect(big.status).toBe(413);
    expect(
      await runner.sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }),
    ).toBeUndefined();
  });

  it('says clearly when an earlier middleware read the body and kept nothing', async () => {
    const swallow: RequestHandler = (request, _response, next) => {
      request.on('data', () => undefined);
      request.on('end', () => next());
    };
    const app = express();
    app.use(swallow);
    app.use(
      '/api',
      toNodeListener(createHandler({ apps: makeRunner(echoAgent()), basePath: '/api' })),
    );
    await using server = await listen(app);
    const response = await postJson(`${server.url}/api/run`, RUN);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: expect.stringContaining('earlier middleware'),
      code: 'internal',
    });
  });
});
