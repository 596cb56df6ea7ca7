import { describe, it, expect } from 'vitest';
import { connect } from 'node:net';
import type { Event, Part, Session } from '@ferrite/core';
import { HttpError } from '../http/http-error.js';
import { createHandler } from './create-handler.js';
import { serve } from '../node/serve.js';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { untilAborted } from '@ferrite/core/testing';
import {
  echoAgent,
  eventually,
  makeRunner,
  message,
  postJson,
  scriptAgent,
  startServer,
  text,
} from '../testing/server-fixtures.js';

describe('createHandler routes', () => {
  it('answers /health and /list-apps', async () => {
    const a = makeRunner(echoAgent(), 'alpha');
    const b = makeRunner(echoAgent(), 'beta');
    await using server = await startServer({ apps: { beta: b, alpha: a } });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/list-apps`)).json()).toEqual(['alpha', 'beta']);
  });

  it('creates, lists, reads, patches and deletes sessions with ADK shapes and codes', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const base = `${server.url}/apps/app/users/u1/sessions`;

    const created = await postJson(base, { sessionId: 's1', state: { color: 'red' } });
    expect(created.status).toBe(200);
    const session = (await created.json()) as Session;
    expect(session).toMatchObject({
      id: 's1',
      appName: 'app',
      userId: 'u1',
      state: { color: 'red' },
      events: [],
    });
    expect(typeof session.lastUpdateTime).toBe('number');

    const again = await postJson(base, { sessionId: 's1' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'session.exists' });

    const generated = (await (await postJson(base, undefined)).json()) as Session;
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);

    // ADK's POST …/sessions/{id}: the body is the initial state.
    const withId = await postJson(`${base}/s2`, { mood: 'calm' });
    expect(withId.status).toBe(200);
    expect(((await withId.json()) as Session).state).toEqual({ mood: 'calm' });

    const list = (await (await fetch(base)).json()) as Session[];
    expect(list.map((s) => s.id).sort()).toEqual([generated.id, 's1', 's2'].sort());

    const patched = await fetch(`${base}/s1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stateDelta: { color: 'blue', size: 3 } }),
    });
    expect(patched.status).toBe(200);
    const afterPatch = (await patched.json()) as Session;
    expect(afterPatch.state).toEqual({ color: 'blue', size: 3 });
    expect(afterPatch.events).toHaveLength(1);
    expect(afterPatch.events[0]).toMatchObject({
      author: 'user',
      actions: { stateDelta: { color: 'blue', size: 3 } },
    });

    const read = (await (await fetch(`${base}/s1`)).json()) as Session;
    expect(read.state).toEqual({ color: 'blue', size: 3 });
    expect(read.events).toHaveLength(1);

    const deleted = await fetch(`${base}/s1`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toBeNull();
    const gone = await fetch(`${base}/s1`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: expect.any(String), code: 'session.not_found' });
    const patchGone = await fetch(`${base}/s1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stateDelta: { a: 1 } }),
    });
    expect(patchGone.status).toBe(404);
  });

  it('creates nothing when one of the initial events is bad, and nothing half-made', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const base = `${server.url}/apps/app/users/u1/sessions`;
    const good = { id: 'e1', author: 'user', content: { role: 'user', parts: [{ text: 'hi' }] } };
    const cases: [string, unknown[]][] = [
      ['a part with no data', [good, { id: 'e2', author: 'user', content: { parts: [{}] } }]],
      ['a text that is not a string', [good, { content: { parts: [{ text: 5 }] } }]],
      ['a repeated event id', [good, { ...good }]],
    ];
    for (const [label, events] of cases) {
      const response = await postJson(base, { sessionId: 'made', events });
      expect(response.status, label).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe('invalid_argument');
      expect((await fetch(`${base}/made`)).status, label).toBe(404);
    }
    const created = await postJson(base, { sessionId: 'made', events: [good] });
    expect(created.status).toBe(200);
    expect(((await created.json()) as Session).events.map((event) => event.id)).toEqual(['e1']);
  });

  it('pages session lists with limit and the x-next-cursor header', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const base = `${server.url}/apps/app/users/u1/sessions`;
    for (const id of ['a', 'b', 'c']) await postJson(base, { sessionId: id });
    const first = await fetch(`${base}?limit=2`);
    expect(((await first.json()) as Session[]).length).toBe(2);
    const cursor = first.headers.get('x-next-cursor');
    expect(cursor).toBeTruthy();
    const second = await fetch(`${base}?limit=2&cursor=${encodeURIComponent(cursor!)}`);
    expect(((await second.json()) as Session[]).length).toBe(1);
  });

  it('serves artifacts: list, latest, by version, versions, delete, 404', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    await postJson(`${server.url}/apps/app/users/u1/sessions`, { sessionId: 's1' });
    const scope = { appName: 'app', userId: 'u1', sessionId: 's1' };
    const store = runner.artifactService!;
    await store.saveArtifact({ ...scope, filename: 'notes.txt', artifact: { text: 'v0' } });
    await store.saveArtifact({ ...scope, filename: 'notes.txt', artifact: { text: 'v1' } });
    await store.saveArtifact({
      ...scope,
      filename: 'user:photo one.png',
      artifact: { inlineData: { mimeType: 'image/png', data: 'AAEC' } },
    });
    const base = `${server.url}/apps/app/users/u1/sessions/s1/artifacts`;

    expect(await (await fetch(base)).json()).toEqual(['notes.txt', 'user:photo one.png']);
    expect(await (await fetch(`${base}/notes.txt`)).json()).toEqual({ text: 'v1' });
    expect(await (await fetch(`${base}/notes.txt?version=0`)).json()).toEqual({ text: 'v0' });
    expect(await (await fetch(`${base}/notes.txt/versions`)).json()).toEqual([0, 1]);
    expect(await (await fetch(`${base}/notes.txt/versions/0`)).json()).toEqual({ text: 'v0' });
    const photo = (await (
      await fetch(`${base}/${encodeURIComponent('user:photo one.png')}`)
    ).json()) as Part;
    expect(photo.inlineData).toMatchObject({ mimeType: 'image/png', data: 'AAEC' });

    const missing = await fetch(`${base}/notes.txt/versions/7`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'artifact.not_found' });
    expect((await fetch(`${base}/notes.txt?version=x`)).status).toBe(400);

    const deleted = await fetch(`${base}/notes.txt`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await (await fetch(`${base}/notes.txt/versions`)).json()).toEqual([]);
    expect((await fetch(`${base}/notes.txt`)).status).toBe(404);
  });

  it('POST /run answers every stored event as a JSON array', async () => {
    const runner = makeRunner(echoAgent('echo', 3));
    await using server = await startServer({ apps: runner });
    const response = await postJson(`${server.url}/run`, {
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
      newMessage: message('hi'),
      stateDelta: { seen: true },
    });
    expect(response.status).toBe(200);
    const events = (await response.json()) as Event[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      author: 'echo',
      content: { parts: [{ text: 'hi#0 hi#1 hi#2 ' }] },
    });
    expect(events.some((e) => e.partial)).toBe(false);
    const session = (await (
      await fetch(`${server.url}/apps/app/users/u1/sessions/s1`)
    ).json()) as Session;
    expect(session.events.map((e) => e.author)).toEqual(['user', 'echo']);
    expect(session.events[1]!.id).toBe(events[0]!.id);
    expect(session.state).toMatchObject({ seen: true });
  });

  it("accepts the snake_case bodies ADK's Python server also accepts", async () => {
    const runner = makeRunner(echoAgent('echo', 1));
    await using server = await startServer({ apps: runner });
    const created = await postJson(`${server.url}/apps/app/users/u1/sessions`, {
      session_id: 's1',
      state: { mood: 'calm' },
    });
    expect(((await created.json()) as Session).id).toBe('s1');
    const ran = await postJson(`${server.url}/run`, {
      app_name: 'app',
      user_id: 'u1',
      session_id: 's1',
      new_message: {
        role: 'user',
        parts: [{ text: 'hi' }, { inline_data: { mime_type: 'text/plain', data: 'aGk=' } }],
      },
      state_delta: { seen: true },
    });
    expect(ran.status).toBe(200);
    const session = (await (
      await fetch(`${server.url}/apps/app/users/u1/sessions/s1`)
    ).json()) as Session;
    expect(session.state).toEqual({ mood: 'calm', seen: true });
    expect(session.events[0]!.content!.parts[1]).toEqual({
      inlineData: { mimeType: 'text/plain', data: 'aGk=' },
    });
    const patched = await fetch(`${server.url}/apps/app/users/u1/sessions/s1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state_delta: { mood: 'bright' } }),
    });
    expect(((await patched.json()) as Session).state).toMatchObject({ mood: 'bright' });
  });

  it('POST /run cancels the run when the client goes away', async () => {
    let observedAbort = false;
    let started = false;
    const agent = scriptAgent('waiting', async function* (context) {
      started = true;
      await untilAborted(context.signal).catch(() => (observedAbort = true));
      yield text('too late');
    });
    const runner = makeRunner(agent);
    await using server = await startServer({ apps: runner });
    const controller = new AbortController();
    const pending = postJson(
      `${server.url}/run`,
      { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('hi') },
      { signal: controller.signal },
    ).catch((error: unknown) => error);
    await eventually(() => started);
    controller.abort();
    await pending;
    await eventually(() => observedAbort);
    // Give a wrongly surviving run the time to store its last event.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const session = await runner.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(session?.events.map((e) => e.author)).toEqual(['user']);
  });

  it('rejects bad input with 400, unknown routes and apps with 404, wrong methods with 405', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const broken = await fetch(`${server.url}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"appName": "app",',
    });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ code: 'invalid_argument' });

    const badName = await fetch(
      `${server.url}/apps/app/users/${encodeURIComponent('a b')}/sessions`,
    );
    expect(badName.status).toBe(400);
    expect(await badName.json()).toMatchObject({
      code: 'invalid_argument',
      error: expect.stringContaining('userId'),
    });

    const noParts = await postJson(`${server.url}/run`, {
      appName: 'app',
      userId: 'u',
      sessionId: 's',
      newMessage: { role: 'user', parts: [] },
    });
    expect(noParts.status).toBe(400);

    // An encoded slash decodes to `a/b`, which no artifact name may contain.
    const badFilename = await fetch(`${server.url}/apps/app/users/u/sessions/s/artifacts/a%2Fb`);
    expect(badFilename.status).toBe(400);
    expect(await badFilename.json()).toMatchObject({ code: 'invalid_argument' });

    const badSession = await postJson(`${server.url}/run`, {
      appName: 'app',
      userId: 'u',
      sessionId: '..',
      newMessage: message('hi'),
    });
    expect(badSession.status).toBe(400);
    expect(await badSession.json()).toMatchObject({ error: expect.stringContaining('sessionId') });

    const badApp = await postJson(`${server.url}/run`, {
      appName: 'a b',
      userId: 'u',
      sessionId: 's',
      newMessage: message('hi'),
    });
    expect(badApp.status).toBe(400);

    const noRoute = await fetch(`${server.url}/nope`);
    expect(noRoute.status).toBe(404);
    expect(await noRoute.json()).toMatchObject({ code: 'route.not_found' });

    const noApp = await fetch(`${server.url}/apps/other/users/u/sessions`);
    expect(noApp.status).toBe(404);
    expect(await noApp.json()).toMatchObject({ code: 'app.not_found' });

    const wrongMethod = await fetch(`${server.url}/health`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');

    // HEAD answers as GET would, headers and status only.
    const head = await fetch(`${server.url}/list-apps`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await head.text()).toBe('');
    const headMissing = await fetch(`${server.url}/apps/app/users/u/sessions/nope`, {
      method: 'HEAD',
    });
    expect(headMissing.status).toBe(404);
  });

  it('refuses bodies over the limit with 413, by header and while streaming', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner, bodyLimit: 1024 });
    const big = {
      appName: 'app',
      userId: 'u',
      sessionId: 's',
      newMessage: message('x'.repeat(5000)),
    };
    const declared = await postJson(`${server.url}/run`, big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'request.too_large' });

    // No content-length: the limit is enforced while the chunks arrive.
    const payload = new TextEncoder().encode(JSON.stringify(big));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= payload.length) return controller.close();
        controller.enqueue(payload.subarray(sent, sent + 512));
        sent += 512;
      },
    });
    const streamed = await fetch(`${server.url}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
    const session = await runner.sessionService.getSession({
      appName: 'app',
      userId: 'u',
      sessionId: 's',
    });
    expect(session).toBeUndefined();
  });

  it('runs authorize: 401, 403, a fixed user id; /health stays public', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({
      apps: runner,
      authorize: (request) => {
        const token = request.headers.get('authorization');
        if (!token) throw new HttpError('missing token', { status: 401 });
        if (token === 'Bearer banned') return false;
        return { userId: token.replace('Bearer ', '') };
      },
    });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const anonymous = await fetch(`${server.url}/list-apps`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: 'missing token', code: 'unauthorized' });
    const banned = await fetch(`${server.url}/list-apps`, {
      headers: { authorization: 'Bearer banned' },
    });
    expect(banned.status).toBe(403);

    const auth = { authorization: 'Bearer carol' };
    const created = await postJson(
      `${server.url}/apps/app/users/whoever/sessions`,
      { sessionId: 's' },
      { headers: auth },
    );
    expect(((await created.json()) as Session).userId).toBe('carol');
    const ran = await postJson(
      `${server.url}/run`,
      { appName: 'app', userId: 'mallory', sessionId: 's', newMessage: message('hi') },
      { headers: auth },
    );
    expect(ran.status).toBe(200);
    const stored = await runner.sessionService.getSession({
      appName: 'app',
      userId: 'carol',
      sessionId: 's',
    });
    expect(stored?.events).toHaveLength(2);
    expect(
      await runner.sessionService.getSession({ appName: 'app', userId: 'mallory', sessionId: 's' }),
    ).toBeUndefined();
  });

  it("with otherUser: 'forbid', refuses a request naming another user than the authorized one", async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({
      apps: runner,
      otherUser: 'forbid',
      authorize: (request) => ({ userId: request.headers.get('x-user') ?? 'nobody' }),
    });
    const carol = { headers: { 'x-user': 'carol' } };
    const own = await postJson(
      `${server.url}/apps/app/users/carol/sessions`,
      { sessionId: 's' },
      carol,
    );
    expect(own.status).toBe(200);
    const other = await postJson(
      `${server.url}/apps/app/users/dave/sessions`,
      { sessionId: 's' },
      carol,
    );
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({
      error: expect.stringContaining('"dave"'),
      code: 'user.forbidden',
    });
    const run = { appName: 'app', sessionId: 's', newMessage: message('hi') };
    const foreignRun = await postJson(`${server.url}/run`, { ...run, userId: 'dave' }, carol);
    expect(foreignRun.status).toBe(403);
    // A body that names no user runs as the authorized one.
    expect((await postJson(`${server.url}/run`, run, carol)).status).toBe(200);
    expect(
      await runner.sessionService.getSession({ appName: 'app', userId: 'dave', sessionId: 's' }),
    ).toBeUndefined();
  });

  it('leaves CORS off unless configured', async () => {
    const runner = makeRunner(echoAgent());
    await using plain = await startServer({ apps: runner });
    const noCors = await fetch(`${plain.url}/list-apps`, {
      headers: { origin: 'https://ui.example' },
    });
    expect(noCors.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${plain.url}/list-apps`, { method: 'OPTIONS' })).status).toBe(405);

    await using withCors = await startServer({
      apps: runner,
      cors: { origin: ['https://ui.example'] },
    });
    const preflight = await fetch(`${withCors.url}/run_sse`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ui.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = await fetch(`${withCors.url}/list-apps`, {
      headers: { origin: 'https://ui.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ui.example');
    const other = await fetch(`${withCors.url}/list-apps`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds CORS headers to a Response from authorize whose headers are immutable', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({
      apps: runner,
      cors: { origin: ['https://ui.example'] },
      authorize: () => Response.redirect('https://login.example/', 302),
    });
    const response = await fetch(`${server.url}/list-apps`, {
      headers: { origin: 'https://ui.example' },
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://login.example/');
    expect(response.headers.get('access-control-allow-origin')).toBe('https://ui.example');
  });

  it('does not report a client that goes away mid-body as a server failure', async () => {
    const reported: string[] = [];
    const answered: number[] = [];
    let started = false;
    const handler = createHandler({
      apps: makeRunner(echoAgent()),
      onError: (error) => reported.push(error.code),
    });
    await using server = await serve({
      handler: async (request) => {
        started = true;
        const response = await handler(request);
        answered.push(response.status);
        return response;
      },
      port: 0,
    });
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /run HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\n' +
        'transfer-encoding: chunked\r\n\r\n5\r\n{"a":\r\n',
    );
    // The handler is reading the body; the client disappears before finishing it.
    await eventually(() => started);
    socket.destroy();
    await eventually(() => answered.length === 1);
    expect(reported).toEqual([]);
  });

  it('answers 408 and closes the connection of a client whose body never ends', async () => {
    await using server = await serve({
      handler: createHandler({ apps: makeRunner(echoAgent()) }),
      port: 0,
      requestTimeoutMs: 300,
    });
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /run HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\n' +
        'transfer-encoding: chunked\r\n\r\n5\r\n{"a":\r\n',
    );
    // The client never sends the rest; the server gives up on it instead of waiting for ever.
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses a request timeout that is not a positive integer', async () => {
    await expect(
      serve({
        handler: createHandler({ apps: makeRunner(echoAgent()) }),
        port: 0,
        requestTimeoutMs: 0,
      }),
    ).rejects.toThrow(/requestTimeoutMs/);
  });

  it('answers 404 up front for a missing session when the runner does not create sessions', async () => {
    const runner = new Runner({
      appName: 'app',
      agent: echoAgent(),
      sessionService: new InMemorySessionService(),
      runConfig: { autoCreateSession: false },
    });
    await using server = await startServer({ apps: runner, basePath: '/api/' });
    const body = { appName: 'app', userId: 'u', sessionId: 'nope', newMessage: message('hi') };
    const missing = await postJson(`${server.url}/api/run_sse`, body);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'session.not_found' });
    expect((await fetch(`${server.url}/health`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it('refuses a map whose key differs from the runner app name', () => {
    expect(() => createHandler({ apps: { other: makeRunner(echoAgent(), 'app') } })).toThrow(
      /appName/,
    );
  });
});
