import { describe, expect, it } from 'vitest';
import type { Event } from '@ferrite/core';
import { untilAborted } from '@ferrite/core/testing';
import {
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

const body = (sessionId: string, said: string, extra: Record<string, unknown> = {}) => ({
  appName: 'app',
  userId: 'u1',
  sessionId,
  newMessage: message(said),
  streaming: true,
  ...extra,
});

/** "<x>": "one", then waits for a gate, then "two" (partial) and "two <x>"; records aborts. */
function gatedAgent() {
  const gates: (() => void)[] = [];
  const aborted: string[] = [];
  const agent = scriptAgent('gated', async function* (context) {
    const said = context.userContent.parts[0]?.text ?? '';
    context.signal.addEventListener('abort', () => aborted.push(said), { once: true });
    yield text(`one ${said}`);
    await Promise.race([
      new Promise<void>((resolve) => gates.push(resolve)),
      untilAborted(context.signal),
    ]);
    yield text('two', true);
    yield text(`two ${said}`);
  });
  return { agent, gates, aborted };
}

async function firstStoredId(response: Response): Promise<string> {
  for await (const item of sseItems(response)) {
    if (item.kind === 'message' && item.message.id) return item.message.id;
  }
  throw new Error('no stored event');
}

const texts = (messages: { data: string }[]): string[] =>
  messages.map((m) => (JSON.parse(m.data) as Event).content?.parts[0]?.text ?? '');

describe('detached runs and attaching (single process)', () => {
  it('a detached run goes on after its client leaves; attaching after Last-Event-ID gets the rest, partials included', async () => {
    const { agent, gates, aborted } = gatedAgent();
    const runner = makeRunner(agent);
    await using server = await startServer({ apps: runner });
    const controller = new AbortController();
    const response = await postJson(`${server.url}/run_sse`, body('s1', 'a', { detach: true }), {
      signal: controller.signal,
    });
    const invocationId = response.headers.get('x-ferrite-invocation-id')!;
    expect(invocationId).toMatch(/^[0-9a-f-]{36}$/);
    const lastEventId = await firstStoredId(response);
    controller.abort();
    await eventually(() => gates.length === 1);
    const attached = fetch(
      `${server.url}/apps/app/users/u1/sessions/s1/runs/${invocationId}/events`,
      { headers: { 'last-event-id': lastEventId } },
    );
    gates[0]!();
    const rest = await readSse(await attached);
    expect(texts(rest.messages)).toEqual(['two', 'two a']);
    expect(aborted).toEqual([]);
    const session = await runner.sessionService.getSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(session!.events.map((event) => event.invocationId)).toEqual([
      invocationId,
      invocationId,
      invocationId,
    ]);
  });

  it('without detach a client leaving cancels the run (ADK), and runs.onDisconnect: continue flips the default', async () => {
    const first = gatedAgent();
    await using cancelling = await startServer({ apps: makeRunner(first.agent) });
    const controller = new AbortController();
    const response = await postJson(`${cancelling.url}/run_sse`, body('s2', 'b'), {
      signal: controller.signal,
    });
    await firstStoredId(response);
    controller.abort();
    await eventually(() => first.aborted.length === 1);

    const second = gatedAgent();
    await using continuing = await startServer({
      apps: makeRunner(second.agent),
      runs: { onDisconnect: 'continue' },
    });
    const leaving = new AbortController();
    const kept = await postJson(`${continuing.url}/run_sse`, body('s3', 'c'), {
      signal: leaving.signal,
    });
    const id = kept.headers.get('x-ferrite-invocation-id')!;
    await firstStoredId(kept);
    leaving.abort();
    await eventually(() => second.gates.length === 1);
    second.gates[0]!();
    const whole = await readSse(
      await fetch(`${continuing.url}/apps/app/users/u1/sessions/s3/runs/${id}/events`),
    );
    expect(texts(whole.messages)).toEqual(['one c', 'two', 'two c']);
    expect(second.aborted).toEqual([]);
  });

  it('answers 404 run.not_found for an unknown run or another session, 400 for an unknown Last-Event-ID', async () => {
    const { agent, gates } = gatedAgent();
    await using server = await startServer({ apps: makeRunner(agent) });
    const response = await postJson(`${server.url}/run_sse`, body('s4', 'd'));
    const id = response.headers.get('x-ferrite-invocation-id')!;
    await eventually(() => gates.length === 1);
    gates[0]!();
    await readSse(response);
    const unknown = await fetch(
      `${server.url}/apps/app/users/u1/sessions/s4/runs/${crypto.randomUUID()}/events`,
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'run.not_found' });
    const elsewhere = await fetch(
      `${server.url}/apps/app/users/u1/sessions/other/runs/${id}/events`,
    );
    expect(elsewhere.status).toBe(404);
    const badResume = await fetch(`${server.url}/apps/app/users/u1/sessions/s4/runs/${id}/events`, {
      headers: { 'last-event-id': 'nope' },
    });
    expect(badResume.status).toBe(400);
  });

  it('detach must be a boolean', async () => {
    const { agent } = gatedAgent();
    await using server = await startServer({ apps: makeRunner(agent) });
    const response = await postJson(`${server.url}/run_sse`, body('s5', 'e', { detach: 'yes' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_argument' });
  });
});
