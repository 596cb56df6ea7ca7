import { describe, it, expect } from 'vitest';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Session } from '@ferrite/core';
import { serve } from '../node/serve.js';
import { toNodeListener } from '../node/to-node-listener.js';
import {
  echoAgent,
  makeRunner,
  message,
  postJson,
  readSse,
  scriptAgent,
  startServer,
  text,
} from '../testing/server-fixtures.js';
import { createHandler } from './create-handler.js';

/** A request with headers `fetch` will not set (Host), over a real socket. */
function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path, method, headers, setHost: false },
      (response) => {
        let received = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (received += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: received }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** An agent that counts its runs, so a test can tell that nothing ran. */
function countingAgent(): { agent: ReturnType<typeof scriptAgent>; runs: () => number } {
  let runs = 0;
  const agent = scriptAgent('counter', async function* () {
    runs += 1;
    yield text('ran');
  });
  return { agent, runs: () => runs };
}

const RUN_BODY = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('hi') };

describe('requests a web page could forge', () => {
  it('refuses text/plain and form bodies with 415 and runs or stores nothing', async () => {
    const { agent, runs } = countingAgent();
    const runner = makeRunner(agent);
    await using server = await startServer({ apps: runner });
    const json = JSON.stringify(RUN_BODY);
    const forged: [string, string, string][] = [
      ['/run', 'text/plain;charset=UTF-8', json],
      ['/run_sse', 'text/plain', json],
      ['/run', 'application/x-www-form-urlencoded', `payload=${encodeURIComponent(json)}`],
      ['/run', 'multipart/form-data; boundary=x', `--x\r\n\r\n${json}\r\n--x--`],
      ['/apps/app/users/u1/sessions', 'text/plain', '{"sessionId":"s1"}'],
      ['/apps/app/users/u1/sessions/s1', 'text/plain', '{"a":1}'],
    ];
    for (const [path, type, body] of forged) {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      expect(response.status, `${path} as ${type}`).toBe(415);
      expect(await response.json()).toEqual({
        error: expect.stringContaining('application/json'),
        code: 'request.unsupported_media_type',
      });
    }
    // A body with no type at all is no JSON body either.
    const untyped = await rawRequest(server.port, '/run', { host: 'localhost' }, 'POST', json);
    expect(untyped.status).toBe(415);
    expect(runs()).toBe(0);
    const listed = await runner.sessionService.listSessions({ appName: 'app', userId: 'u1' });
    expect(listed.sessions).toEqual([]);
  });

  it("keeps ADK's wire working: application/json with a charset, streamed", async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent('echo', 2)) });
    const response = await fetch(`${server.url}/run_sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ ...RUN_BODY, streaming: true }),
    });
    expect(response.status).toBe(200);
    const { messages } = await readSse(response);
    expect(messages.map((m) => JSON.parse(m.data) as { partial?: boolean })).toHaveLength(3);
    // A body-less POST (ADK's session creation) needs no type.
    const created = await fetch(`${server.url}/apps/app/users/u1/sessions`, { method: 'POST' });
    expect(created.status).toBe(200);
  });

  it('answers only loopback Host names on a loopback address (DNS rebinding)', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    await runner.sessionService.createSession({ appName: 'app', userId: 'u1', sessionId: 's1' });
    const sessions = '/apps/app/users/u1/sessions';
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      '10.0.0.7',
      'localhost.evil',
    ]) {
      const refused = await rawRequest(server.port, sessions, { host });
      expect(refused.status, host).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({
        error: expect.stringContaining('allowedHosts'),
        code: 'host.not_allowed',
      });
    }
    const rebound = await rawRequest(
      server.port,
      '/run',
      { host: 'evil.example', 'content-type': 'application/json' },
      'POST',
      JSON.stringify({ ...RUN_BODY, sessionId: 's2' }),
    );
    expect(rebound.status).toBe(403);
    expect(
      await runner.sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's2' }),
    ).toBeUndefined();
    for (const host of [
      'localhost',
      `localhost:${server.port}`,
      'LOCALHOST',
      '127.0.0.1',
      `127.0.0.1:${server.port}`,
      '127.1.2.3',
      '[::1]',
      `[::1]:${server.port}`,
    ]) {
      const answered = await rawRequest(server.port, sessions, { host });
      expect(answered.status, host).toBe(200);
      expect((JSON.parse(answered.body) as Session[]).map((s) => s.id)).toEqual(['s1']);
    }
  });

  it('answers the names given in allowedHosts, through serve and through createHandler', async () => {
    const runner = makeRunner(echoAgent());
    await using served = await serve({
      handler: createHandler({ apps: runner }),
      port: 0,
      allowedHosts: ['Ferrite.Internal', 'api.example.com:8443'],
    });
    for (const host of ['ferrite.internal', `ferrite.internal:${served.port}`, 'api.example.com']) {
      expect((await rawRequest(served.port, '/list-apps', { host })).status, host).toBe(200);
    }
    expect((await rawRequest(served.port, '/list-apps', { host: 'evil.example' })).status).toBe(
      403,
    );
    await using open = await serve({
      handler: createHandler({ apps: runner }),
      port: 0,
      allowedHosts: ['*'],
    });
    expect((await rawRequest(open.port, '/list-apps', { host: 'anything.example' })).status).toBe(
      200,
    );

    // serve() honours the handler's own list too.
    await using viaHandler = await serve({
      handler: createHandler({ apps: runner, allowedHosts: ['desk.lan'] }),
      port: 0,
    });
    expect((await rawRequest(viaHandler.port, '/list-apps', { host: 'desk.lan' })).status).toBe(
      200,
    );
    // The handler's own option, for servers that are not started by serve().
    const listener = toNodeListener(createHandler({ apps: runner, allowedHosts: ['desk.lan'] }));
    const plain = createServer(listener);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = plain.address() as AddressInfo;
      expect((await rawRequest(port, '/list-apps', { host: 'desk.lan:80' })).status).toBe(200);
      expect((await rawRequest(port, '/list-apps', { host: 'localhost' })).status).toBe(200);
      const refused = await rawRequest(port, '/list-apps', { host: 'evil.example' });
      expect([refused.status, JSON.parse(refused.body).code]).toEqual([403, 'host.not_allowed']);
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
    expect(() => createHandler({ apps: runner, allowedHosts: ['http://x/y'] })).toThrow(
      /allowedHosts/,
    );
  });

  it('refuses an Origin the CORS settings do not allow, before the route runs', async () => {
    const { agent, runs } = countingAgent();
    const runner = makeRunner(agent);
    await using plain = await startServer({ apps: runner });
    await using withCors = await startServer({
      apps: runner,
      cors: { origin: ['https://ui.example'] },
    });
    for (const server of [plain, withCors]) {
      for (const origin of [
        'https://evil.example',
        'null',
        `http://127.0.0.1:${server.port + 1}`,
      ]) {
        const refused = await postJson(`${server.url}/run`, RUN_BODY, { headers: { origin } });
        expect(refused.status, origin).toBe(403);
        expect(await refused.json()).toEqual({
          error: expect.stringContaining(origin),
          code: 'origin.not_allowed',
        });
        const created = await postJson(
          `${server.url}/apps/app/users/u1/sessions`,
          { sessionId: 'forged' },
          { headers: { origin } },
        );
        expect(created.status).toBe(403);
      }
    }
    expect(runs()).toBe(0);
    expect(
      (await runner.sessionService.listSessions({ appName: 'app', userId: 'u1' })).sessions,
    ).toEqual([]);

    // Allowed: the configured origin, and the server's own origin (a page it serves).
    const allowed = await postJson(`${withCors.url}/run`, RUN_BODY, {
      headers: { origin: 'https://ui.example' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    const sameOrigin = await postJson(
      `${plain.url}/run`,
      { ...RUN_BODY, sessionId: 's2' },
      { headers: { origin: plain.url } },
    );
    expect(sameOrigin.status).toBe(200);
    expect(runs()).toBe(2);
  });
});
