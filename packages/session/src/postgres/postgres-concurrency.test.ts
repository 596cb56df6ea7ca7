import { createEvent, StaleSessionError, userContent, type Session } from '@ferrite/core';
import { randomAppName } from '@ferrite/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionService } from './postgres-session-service.js';
import {
  dropSchema,
  POSTGRES_URL,
  randomSchema,
  requirePostgres,
} from './testing/test-database.js';

// Two services with two pools on one database stand for two processes sharing the store.
const schema = randomSchema();
const first = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
const second = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
const services = [first, second] as const;

beforeAll(async () => {
  await requirePostgres();
  await first.migrate();
});

afterAll(async () => {
  await first.close();
  await second.close();
  await dropSchema(schema);
});

const keyOf = (s: Session) => ({ appName: s.appName, userId: s.userId, sessionId: s.id });

describe('PostgresSessionService under concurrency (two pools, one database)', () => {
  it('lets exactly one of two appends racing on the same revision win, round after round', async () => {
    const appName = randomAppName();
    const created = await first.createSession({ appName, userId: 'u', sessionId: 's' });
    for (let round = 0; round < 20; round++) {
      const [a, b] = await Promise.all([
        first.getSession(keyOf(created)),
        second.getSession(keyOf(created)),
      ]);
      const results = await Promise.allSettled([
        first.appendEvent({
          session: a!,
          event: createEvent({
            author: 'a',
            actions: { stateDelta: { winner: 'a', 'user:w': 'a' } },
          }),
        }),
        second.appendEvent({
          session: b!,
          event: createEvent({
            author: 'b',
            actions: { stateDelta: { winner: 'b', 'user:w': 'b' } },
          }),
        }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(StaleSessionError.isInstance(lost[0]?.reason)).toBe(true);
      const winner = results[0].status === 'fulfilled' ? 'a' : 'b';
      const loser = winner === 'a' ? b! : a!;
      expect(loser.events).toHaveLength(round);
      const read = await first.getSession(keyOf(created));
      expect(read?.events).toHaveLength(round + 1);
      expect(read?.revision).toBe(round + 1);
      expect(read?.state).toEqual({ winner, 'user:w': winner });
    }
  });

  it('keeps every user: key when 50 sessions of one user write different keys at once', async () => {
    const appName = randomAppName();
    const sessions = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        services[i % 2]!.createSession({ appName, userId: 'u', sessionId: `s${i}` }),
      ),
    );
    await Promise.all(
      sessions.map((session, i) =>
        services[i % 2]!.appendEvent({
          session,
          event: createEvent({
            author: 'user',
            actions: { stateDelta: { [`user:k${i}`]: i, [`app:k${i}`]: i, own: i } },
          }),
        }),
      ),
    );
    const expectedUser = Object.fromEntries(sessions.map((_, i) => [`user:k${i}`, i]));
    const expectedApp = Object.fromEntries(sessions.map((_, i) => [`app:k${i}`, i]));
    const read = await second.getSession({ appName, userId: 'u', sessionId: 's7' });
    expect(read?.state).toEqual({ ...expectedUser, ...expectedApp, own: 7 });
    const listed = await first.listSessions({ appName, userId: 'u', limit: 1000 });
    expect(listed.sessions).toHaveLength(50);
    for (const session of listed.sessions) {
      expect(session.state).toMatchObject({ ...expectedUser, ...expectedApp });
    }
  });

  it('loses no event under 200 concurrent appends across 20 sessions with re-read and retry', async () => {
    const appName = randomAppName();
    const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
    await Promise.all(
      ids.map((sessionId) => first.createSession({ appName, userId: 'u', sessionId })),
    );
    let staleRetries = 0;
    const writer = async (writerIndex: number) => {
      const service = services[writerIndex % 2]!;
      const sessionId = ids[writerIndex % ids.length]!;
      for (;;) {
        const session = await service.getSession({
          appName,
          userId: 'u',
          sessionId,
          numRecentEvents: 0,
        });
        try {
          await service.appendEvent({
            session: session!,
            event: createEvent({
              id: `w${writerIndex}`,
              author: 'user',
              content: userContent(`from writer ${writerIndex}`),
              actions: { stateDelta: { [`w${writerIndex}`]: true } },
            }),
          });
          return;
        } catch (error) {
          if (!StaleSessionError.isInstance(error)) throw error;
          staleRetries++;
        }
      }
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => writer(i)));
    expect(staleRetries).toBeGreaterThan(0);
    for (const [index, sessionId] of ids.entries()) {
      const read = await second.getSession({ appName, userId: 'u', sessionId });
      const writers = Array.from({ length: 10 }, (_, k) => `w${index + k * 20}`);
      expect(read?.revision).toBe(10);
      expect(read?.events.map((e) => e.id).sort()).toEqual([...writers].sort());
      expect(Object.keys(read!.state).sort()).toEqual([...writers].sort());
    }
  });
});
