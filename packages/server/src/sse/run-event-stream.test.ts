import { describe, it, expect } from 'vitest';
import { request as httpRequest } from 'node:http';
import { EventSource } from 'eventsource';
import { ModelError, type Event, type Session } from '@ferrite/core';
import { abortableDelay, untilAborted } from '@ferrite/core/testing';
import { createHandler } from '../handler/create-handler.js';
import { serve } from '../node/serve.js';
import {
  echoAgent,
  eventually,
  makeRunner,
  message,
  postJson,
  readSse,
  scriptAgent,
  sseItems,
  startServer,
  text,
} from '../testing/server-fixtures.js';

function runBody(sessionId: string, said = 'hi', streaming = true) {
  return { appName: 'app', userId: 'u1', sessionId, newMessage: message(said), streaming };
}

async function storedEvents(
  runner: ReturnType<typeof makeRunner>,
  sessionId: string,
): Promise<Event[]> {
  const session = await runner.sessionService.getSession({
    appName: 'app',
    userId: 'u1',
    sessionId,
  });
  return session?.events ?? [];
}

describe('POST /run_sse', () => {
  it('frames partial events with data only and stored events with their id', async () => {
    const runner = makeRunner(echoAgent('echo', 3));
    await using server = await startServer({ apps: runner });
    const response = await postJson(`${server.url}/run_sse`, runBody('s1'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const { messages } = await readSse(response);
    const events = messages.map((m) => JSON.parse(m.data) as Event);
    expect(events.map((e) => e.partial === true)).toEqual([true, true, true, false]);
    expect(events.map((e) => e.content?.parts[0]?.text)).toEqual([
      'hi#0 ',
      'hi#1 ',
      'hi#2 ',
      'hi#0 hi#1 hi#2 ',
    ]);
    expect(messages.slice(0, 3).every((m) => m.id === undefined)).toBe(true);
    const stored = await storedEvents(runner, 's1');
    expect(messages[3]!.id).toBe(stored[1]!.id);
    expect(events[3]!.id).toBe(stored[1]!.id);
  });

  it('streams a run that outlasts the request timeout to its end', async () => {
    const runner = makeRunner(
      scriptAgent('slow', async function* () {
        await abortableDelay(600);
        yield text('late but whole');
      }),
    );
    await using server = await serve({
      handler: createHandler({ apps: runner }),
      port: 0,
      requestTimeoutMs: 150,
    });
    const response = await postJson(`${server.url}/run_sse`, runBody('s1'));
    const { messages } = await readSse(response);
    const events = messages.map((m) => JSON.parse(m.data) as Event);
    expect(events.map((e) => e.content?.parts[0]?.text)).toEqual(['late but whole']);
  });

  it('flushes the headers before the first event exists', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const agent = scriptAgent('gated', async function* () {
      await gate;
      yield text('now');
    });
    await using server = await startServer({ apps: makeRunner(agent) });
    // fetch resolves on the response head: the run has produced nothing yet.
    const response = await postJson(`${server.url}/run_sse`, runBody('s1'));
    expect(response.status).toBe(200);
    release();
    const { messages } = await readSse(response);
    expect(messages).toHaveLength(1);
  });

  it('sends no partial events when streaming is false', async () => {
    const runner = makeRunner(echoAgent('echo', 3));
    await using server = await startServer({ apps: runner });
    const { messages } = await readSse(
      await postJson(`${server.url}/run_sse`, runBody('s1', 'hi', false)),
    );
    const events = messages.map((m) => JSON.parse(m.data) as Event);
    expect(events).toHaveLength(1);
    expect(events[0]!.partial).toBeUndefined();
    expect(messages[0]!.id).toBe(events[0]!.id);
  });

  it('sends : ping comments while the run is idle', async () => {
    const agent = scriptAgent('slow', async function* () {
      await new Promise((resolve) => setTimeout(resolve, 300));
      yield text('done');
    });
    await using server = await startServer({ apps: makeRunner(agent), pingIntervalMs: 40 });
    const { messages, comments } = await readSse(
      await postJson(`${server.url}/run_sse`, runBody('s1')),
    );
    expect(comments.filter((c) => c === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(messages).toHaveLength(1);
  });

  it('ends the stream with an error frame carrying the code', async () => {
    const agent = scriptAgent('failing', async function* () {
      yield text('before');
      throw new ModelError('provider said 500');
    });
    const runner = makeRunner(agent);
    await using server = await startServer({ apps: runner, onError: () => undefined });
    const { messages } = await readSse(await postJson(`${server.url}/run_sse`, runBody('s1')));
    expect(messages).toHaveLength(2);
    expect(JSON.parse(messages[1]!.data)).toEqual({
      error: 'provider said 500',
      code: 'model.error',
    });
    expect(messages[1]!.id).toBeUndefined();
    expect((await storedEvents(runner, 's1')).map((e) => e.author)).toEqual(['user', 'failing']);
  });

  it('cancels the run when the client disconnects; nothing is stored afterwards', async () => {
    let observedAbort = false;
    let resumed = false;
    const agent = scriptAgent('waiting', async function* (context) {
      yield text('first');
      try {
        await untilAborted(context.signal);
      } catch {
        observedAbort = context.signal.aborted;
      }
      resumed = true;
      yield text('after the abort');
    });
    const runner = makeRunner(agent);
    await using server = await startServer({ apps: runner });
    const controller = new AbortController();
    const response = await postJson(`${server.url}/run_sse`, runBody('s1'), {
      signal: controller.signal,
    });
    for await (const item of sseItems(response)) {
      if (item.kind === 'message') break;
    }
    controller.abort();
    await eventually(() => resumed);
    expect(observedAbort).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stored = await storedEvents(runner, 's1');
    expect(stored.map((e) => e.content?.parts[0]?.text)).toEqual(['hi', 'first']);
  });

  it('interrupts a running session through POST …/interrupt', async () => {
    let observedAbort = false;
    const agent = scriptAgent('waiting', async function* (context) {
      yield text('first');
      await untilAborted(context.signal).catch(() => {
        observedAbort = true;
      });
    });
    const runner = makeRunner(agent);
    await using server = await startServer({ apps: runner });
    const response = await postJson(`${server.url}/run_sse`, runBody('s1'));
    const items = sseItems(response);
    expect((await items.next()).value).toMatchObject({ kind: 'message' });
    const interrupt = `${server.url}/apps/app/users/u1/sessions/s1/interrupt`;
    const first = await fetch(interrupt, { method: 'POST' });
    expect(await first.json()).toEqual({ interrupted: true });
    const rest: unknown[] = [];
    for await (const item of items) rest.push(item);
    expect(observedAbort).toBe(true);
    expect(await (await fetch(interrupt, { method: 'POST' })).json()).toEqual({
      interrupted: false,
    });
  });

  it('completes 50 concurrent runs on 50 sessions with every event', async () => {
    const runner = makeRunner(echoAgent('echo', 20));
    await using server = await startServer({ apps: runner });
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const { messages } = await readSse(
          await postJson(`${server.url}/run_sse`, runBody(`s${i}`, `m${i}`)),
        );
        return messages.map((m) => JSON.parse(m.data) as Event);
      }),
    );
    results.forEach((events, i) => {
      expect(events).toHaveLength(21);
      expect(events.filter((e) => e.partial)).toHaveLength(20);
      expect(events[20]!.content?.parts[0]?.text).toContain(`m${i}#19`);
    });
    for (let i = 0; i < 50; i++) expect(await storedEvents(runner, `s${i}`)).toHaveLength(2);
  });

  it('drops partial events for a client that does not read, never stored ones', async () => {
    // ~16 MB of partial text: more than loopback socket buffers can absorb.
    const chunk = 'x'.repeat(4096);
    const total = 4000;
    const agent = scriptAgent('firehose', async function* () {
      for (let i = 0; i < total; i++) {
        yield text(`${i}:${chunk}`, true);
        if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      yield text('the end');
    });
    const runner = makeRunner(agent);
    await using server = await startServer({ apps: runner, sseHighWaterMark: 16 * 1024 });
    const body = JSON.stringify(runBody('s1'));
    const url = new URL(`${server.url}/run_sse`);
    const raw = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.pause();
          // Read nothing until the run has finished and is stored.
          eventually(async () => (await storedEvents(runner, 's1')).length === 2, 20_000).then(
            () => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (data: string) => (text += data));
              res.on('end', () => resolve(text));
              res.resume();
            },
            reject,
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const frames = raw.split('\n\n').filter(Boolean);
    const partials = frames.filter((f) => f.startsWith('data: ') && f.includes('"partial":true'));
    const dropped = frames
      .filter((f) => f.startsWith(': dropped '))
      .reduce((sum, f) => sum + Number(/dropped (\d+)/.exec(f)![1]), 0);
    expect(partials.length).toBeLessThan(total);
    expect(partials.length + dropped).toBe(total);
    const last = frames.at(-1)!;
    expect(last).toMatch(/^id: /);
    expect(last).toContain('the end');
  });
});

describe('GET …/sessions/{id}/events', () => {
  it('replays stored events after an id, via ?after= and Last-Event-ID', async () => {
    const runner = makeRunner(echoAgent('echo', 1));
    await using server = await startServer({ apps: runner });
    await postJson(`${server.url}/run`, runBody('s1', 'one'));
    await postJson(`${server.url}/run`, runBody('s1', 'two'));
    const stored = await storedEvents(runner, 's1');
    expect(stored).toHaveLength(4);
    const url = `${server.url}/apps/app/users/u1/sessions/s1/events`;

    const all = await readSse(await fetch(url));
    expect(all.messages.map((m) => m.id)).toEqual(stored.map((e) => e.id));

    const after = await readSse(await fetch(`${url}?after=${stored[1]!.id}`));
    expect(after.messages.map((m) => m.id)).toEqual([stored[2]!.id, stored[3]!.id]);
    expect((JSON.parse(after.messages[0]!.data) as Event).content?.parts[0]?.text).toBe('two');

    const resumed = await readSse(
      await fetch(url, { headers: { 'last-event-id': stored[2]!.id } }),
    );
    expect(resumed.messages.map((m) => m.id)).toEqual([stored[3]!.id]);

    expect((await fetch(`${url}?after=unknown`)).status).toBe(400);
    expect((await fetch(`${server.url}/apps/app/users/u1/sessions/nope/events`)).status).toBe(404);
  });

  it('lets an EventSource resume with Last-Event-ID after a reconnect', async () => {
    const runner = makeRunner(echoAgent('echo', 1));
    await using server = await startServer({ apps: runner });
    await postJson(`${server.url}/run`, runBody('s1', 'one'));
    const sent: (string | null)[] = [];
    const source = new EventSource(`${server.url}/apps/app/users/u1/sessions/s1/events`, {
      fetch: (input, init) => {
        sent.push(new Headers(init?.headers).get('last-event-id'));
        return fetch(input, init);
      },
    });
    const received: string[] = [];
    source.onmessage = (message) => received.push(message.lastEventId);
    try {
      await eventually(() => received.length === 2);
      // The stream ends; while the client waits to reconnect, the session moves on.
      await postJson(`${server.url}/run`, runBody('s1', 'two'));
      await eventually(() => received.length === 4, 15_000);
    } finally {
      source.close();
    }
    const stored = await storedEvents(runner, 's1');
    expect(received).toEqual(stored.map((e) => e.id));
    expect(sent[0]).toBeNull();
    expect(sent[1]).toBe(stored[1]!.id);
  });

  it('lets the Last-Event-ID of a reconnect win over the ?after= of the URL', async () => {
    const runner = makeRunner(echoAgent('echo', 1));
    await using server = await startServer({ apps: runner });
    await postJson(`${server.url}/run`, runBody('s1', 'one'));
    const first = (await storedEvents(runner, 's1'))[0]!;
    // The EventSource reconnects to this same URL, `?after=` included.
    const source = new EventSource(
      `${server.url}/apps/app/users/u1/sessions/s1/events?after=${first.id}`,
    );
    const received: string[] = [];
    source.onmessage = (message) => received.push(message.lastEventId);
    try {
      await eventually(() => received.length === 1);
      await postJson(`${server.url}/run`, runBody('s1', 'two'));
      await eventually(() => received.length >= 3, 15_000);
    } finally {
      source.close();
    }
    const stored = await storedEvents(runner, 's1');
    expect(received).toEqual(stored.slice(1).map((e) => e.id));
  });
});

describe('shutdown', () => {
  it('close() lets runs finish within the grace period and cancels the rest', async () => {
    let aborted = false;
    const agent = scriptAgent('forever', async function* (context) {
      yield text('started');
      await untilAborted(context.signal).catch(() => (aborted = true));
    });
    const runner = makeRunner(agent);
    const handler = createHandler({ apps: runner });
    const server = await serve({ handler, port: 0, shutdownGraceMs: 50 });
    expect(server.host).toBe('127.0.0.1');
    const response = await postJson(`${server.url}/run_sse`, runBody('s1'));
    const items = sseItems(response);
    await items.next();
    expect(handler.activeRuns).toBe(1);
    await server.close();
    const rest: string[] = [];
    for await (const item of items) if (item.kind === 'message') rest.push(item.message.data);
    expect(aborted).toBe(true);
    expect(JSON.parse(rest.at(-1)!)).toMatchObject({ code: 'unavailable' });
    expect(handler.activeRuns).toBe(0);
    const session = (await runner.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    })) as Session;
    expect(session.events).toHaveLength(2);
  });
});
