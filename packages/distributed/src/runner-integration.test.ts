import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SessionBusyError,
  StaleSessionError,
  createEvent,
  userContent,
  type Agent,
  type Event,
  type InvocationContext,
  type SessionRunLock,
} from '@ferrite/core';
import { Runner, runToArray } from '@ferrite/runner';
import { PostgresSessionLock, PostgresSessionService } from '@ferrite/session/postgres';
import { POSTGRES_URL, dropSchema, randomSchema, requirePostgres } from '@ferrite/session/testing';
import { RedisSessionLock } from './index.js';
import { REDIS_URL } from './testing/private-redis.js';

const say = (text: string): Event => createEvent({ content: { role: 'model', parts: [{ text }] } });

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
}

/**
 * Answers "<text>" with "start <text>", a pause, then "end <text>"; a message "hold" waits until
 * the run is stopped after its first event.
 */
const agent: Agent = {
  name: 'root',
  description: 'two events per turn',
  subAgents: [],
  async *run(context: InvocationContext) {
    const text = context.userContent.parts[0]?.text ?? '';
    yield say(`start ${text}`);
    if (text.startsWith('hold')) await untilAborted(context.signal);
    await new Promise((resolve) => setTimeout(resolve, 5));
    yield say(`end ${text}`);
  },
};

interface Outcome {
  events: Event[];
  error?: unknown;
}

async function outcome(run: Promise<Event[]>): Promise<Outcome> {
  return run.then(
    (events) => ({ events }),
    (error: unknown) => ({ events: [], error }),
  );
}

// Both nodes of a describe use one namespace (one key prefix): that is what makes the lock shared.
const runId = randomBytes(4).toString('hex');
const locks: Record<string, () => SessionRunLock> = {
  PostgresSessionLock: () =>
    new PostgresSessionLock({ connectionString: POSTGRES_URL, namespace: `it_${runId}` }),
  RedisSessionLock: () =>
    new RedisSessionLock({ redis: REDIS_URL, keyPrefix: `ferrite-it:${runId}:` }),
};

for (const [lockName, makeLock] of Object.entries(locks)) {
  describe(`two Runners on one PostgresSessionService, sharing a ${lockName}`, () => {
    const schema = randomSchema();
    let sessions: PostgresSessionService[];
    let sharedLocks: SessionRunLock[];
    let nodes: [Runner, Runner];
    let sessionId = 0;

    beforeAll(async () => {
      await requirePostgres();
      // Two nodes: each its own session service (pool) and its own lock object and connections.
      sessions = [
        new PostgresSessionService({ connectionString: POSTGRES_URL, schema }),
        new PostgresSessionService({ connectionString: POSTGRES_URL, schema }),
      ];
      sharedLocks = [makeLock(), makeLock()];
      nodes = [0, 1].map(
        (index) =>
          new Runner({
            appName: 'shop',
            agent,
            sessionService: sessions[index]!,
            sessionLock: sharedLocks[index]!,
            runConfig: { streamingMode: 'none' },
          }),
      ) as [Runner, Runner];
      await sessions[0]!.migrate();
    });

    afterAll(async () => {
      for (const lock of sharedLocks) await lock.close?.();
      for (const service of sessions) await service.close();
      await dropSchema(schema);
    });

    const newSession = () => `s${(sessionId += 1)}`;
    const run = (
      node: Runner,
      session: string,
      text: string,
      concurrency?: 'reject' | 'interrupt',
    ) =>
      runToArray(
        node.run(
          'u1',
          session,
          userContent(text),
          concurrency ? { runConfig: { concurrency } } : {},
        ),
      );
    const storedTexts = async (session: string) =>
      (
        await sessions[0]!.getSession({
          appName: 'shop',
          userId: 'u1',
          sessionId: session,
        })
      )?.events.map((event) => `${event.author}:${event.content?.parts[0]?.text ?? ''}`) ?? [];

    it("'queue': racing runs on both nodes all complete, none stale, turns never interleaved", async () => {
      const session = newSession();
      const texts = ['a', 'b', 'c', 'd', 'e', 'f'];
      const outcomes = await Promise.all(
        texts.map((text, index) => outcome(run(nodes[index % 2]!, session, text))),
      );
      for (const result of outcomes) {
        expect(StaleSessionError.isInstance(result.error)).toBe(false);
        expect(result.error).toBeUndefined();
        expect(result.events).toHaveLength(2);
      }
      const stored = (await sessions[1]!.getSession({
        appName: 'shop',
        userId: 'u1',
        sessionId: session,
      }))!.events;
      expect(stored).toHaveLength(18);
      // Each invocation's three events are stored together: user, start, end.
      for (let turn = 0; turn < 6; turn += 1) {
        const [user, start, end] = stored.slice(turn * 3, turn * 3 + 3);
        const text = user!.content!.parts[0]!.text!;
        expect(user!.author).toBe('user');
        expect(start!.content!.parts[0]!.text).toBe(`start ${text}`);
        expect(end!.content!.parts[0]!.text).toBe(`end ${text}`);
        expect(new Set([user!.invocationId, start!.invocationId, end!.invocationId]).size).toBe(1);
      }
      expect(new Set(stored.map((event) => event.content!.parts[0]!.text)).size).toBe(18);
    });

    it("'reject': a run on the other node fails with SessionBusyError while one runs", async () => {
      const session = newSession();
      const first = outcome(run(nodes[0], session, 'hold-1'));
      while ((await storedTexts(session)).length < 2) await new Promise((r) => setTimeout(r, 10));
      const second = await outcome(run(nodes[1], session, 'b', 'reject'));
      expect(SessionBusyError.isInstance(second.error)).toBe(true);
      expect(await nodes[1].interrupt('u1', session)).toBe(true);
      expect((await first).error).toBeUndefined();
      expect(await storedTexts(session)).toEqual(['user:hold-1', 'root:start hold-1']);
      // Free again on every node.
      expect((await outcome(run(nodes[1], session, 'c', 'reject'))).events).toHaveLength(2);
    });

    it("'interrupt': a run on the other node cuts the running turn and runs right after it", async () => {
      const session = newSession();
      const first = outcome(run(nodes[0], session, 'hold-1'));
      while ((await storedTexts(session)).length < 2) await new Promise((r) => setTimeout(r, 10));
      const second = await outcome(run(nodes[1], session, 'b', 'interrupt'));
      expect(second.error).toBeUndefined();
      const cut = await first;
      // The cut turn's stream completed normally with what it had stored.
      expect(cut.error).toBeUndefined();
      expect(cut.events.map((event) => event.content!.parts[0]!.text)).toEqual(['start hold-1']);
      expect(await storedTexts(session)).toEqual([
        'user:hold-1',
        'root:start hold-1',
        'user:b',
        'root:start b',
        'root:end b',
      ]);
    });

    it('Runner.interrupt on one node stops the run on the other; false when none runs', async () => {
      const session = newSession();
      expect(await nodes[1].interrupt('u1', session)).toBe(false);
      const first = outcome(run(nodes[0], session, 'hold-1'));
      while ((await storedTexts(session)).length < 2) await new Promise((r) => setTimeout(r, 10));
      expect(nodes[0].isRunning('u1', session)).toBe(true);
      expect(nodes[1].isRunning('u1', session)).toBe(false);
      expect(await nodes[1].interrupt('u1', session)).toBe(true);
      const result = await first;
      expect(result.error).toBeUndefined();
      expect(result.events).toHaveLength(1);
    });
  });
}
