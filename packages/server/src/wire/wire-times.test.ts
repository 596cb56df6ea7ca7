import { describe, expect, it } from 'vitest';
import type { Event, Session } from '@ferrite/core';
import {
  echoAgent,
  makeRunner,
  message,
  postJson,
  readSse,
  startServer,
} from '../testing/server-fixtures.js';

describe('times on the wire', () => {
  it('sends lastUpdateTime and event timestamps in seconds and stores milliseconds', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const base = `${server.url}/apps/app/users/u1/sessions`;
    // An imported session (the Dev UI's "import") carries wire timestamps: seconds.
    const created = (await (
      await postJson(base, {
        sessionId: 's1',
        events: [{ author: 'user', timestamp: 1_700_000_000.25, content: message('hi') }],
      })
    ).json()) as Session;
    expect(created.events[0]!.timestamp).toBe(1_700_000_000.25);
    const stored = await runner.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(stored!.events[0]!.timestamp).toBe(1_700_000_000_250);
    expect(stored!.lastUpdateTime).toBe(1_700_000_000_250);

    const read = (await (await fetch(`${base}/s1`)).json()) as Session;
    expect(read.lastUpdateTime).toBe(1_700_000_000.25);
    expect(read.events[0]!.timestamp).toBe(1_700_000_000.25);
    const listed = (await (await fetch(base)).json()) as Session[];
    expect(listed[0]!.lastUpdateTime).toBe(1_700_000_000.25);
  });

  it('sends the events of /run and /run_sse with their stored time in seconds', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const body = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('x') };
    const ran = (await (await postJson(`${server.url}/run`, body)).json()) as Event[];
    const sse = await readSse(
      await postJson(`${server.url}/run_sse`, { ...body, sessionId: 's2', streaming: true }),
    );
    const streamed = sse.messages.map((m) => JSON.parse(m.data) as Event);
    const storedOf = async (sessionId: string) =>
      (await runner.sessionService.getSession({ appName: 'app', userId: 'u1', sessionId }))!.events;
    const stored1 = await storedOf('s1');
    const stored2 = await storedOf('s2');
    expect(ran.map((e) => Math.round(e.timestamp * 1000))).toEqual(
      stored1.slice(1).map((e) => e.timestamp),
    );
    const final = streamed.filter((e) => !e.partial);
    expect(final.map((e) => Math.round(e.timestamp * 1000))).toEqual(
      stored2.slice(1).map((e) => e.timestamp),
    );
    // Every time sent is seconds: at most a few digits before the point, never milliseconds.
    for (const event of [...ran, ...streamed]) expect(event.timestamp).toBeLessThan(1e11);

    const replay = await readSse(await fetch(`${server.url}/apps/app/users/u1/sessions/s1/events`));
    const replayed = replay.messages.map((m) => JSON.parse(m.data) as Event);
    expect(replayed.map((e) => Math.round(e.timestamp * 1000))).toEqual(
      stored1.map((e) => e.timestamp),
    );
  });

  it('answers PATCH with the session in wire seconds', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const base = `${server.url}/apps/app/users/u1/sessions`;
    await postJson(base, { sessionId: 's1' });
    const patched = (await (
      await fetch(`${base}/s1`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateDelta: { a: 1 } }),
      })
    ).json()) as Session;
    const stored = await runner.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(patched.lastUpdateTime * 1000).toBeCloseTo(stored!.lastUpdateTime, 3);
    expect(patched.lastUpdateTime).toBeLessThan(1e11);
  });
});
