import {
  SessionExistsError,
  StaleSessionError,
  userContent,
  type AppendEventOptions,
  type CreateSessionOptions,
  type DeleteSessionOptions,
  type Event,
  type GetSessionOptions,
  type ListSessionsOptions,
  type ListSessionsResult,
  type Session,
  type SessionService,
} from '@ferrite/core';
import { InMemorySessionService } from '@ferrite/session';
import { PostgresSessionService } from '@ferrite/session/postgres';
import { dropSchema, POSTGRES_URL, randomSchema, requirePostgres } from '@ferrite/session/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner, runToArray } from '../index.js';
import { TestAgent } from '../testing/runner-fixtures.js';

/**
 * Makes the race happen every time: each runner's first `getSession` answer is held back until
 * every runner has read, so all of them find no session and all of them try to create it.
 */
function readBarrier(parties: number): <T>(read: Promise<T>) => Promise<T> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async (read) => {
    const value = await read;
    if (++arrived === parties) open();
    await opened;
    return value;
  };
}

/** A real store, seen through the barrier, recording the creates it was asked for. */
class RacingSessions implements SessionService {
  readonly createFailures: unknown[] = [];
  creates = 0;
  #firstRead = true;

  constructor(
    readonly inner: SessionService,
    readonly barrier: <T>(read: Promise<T>) => Promise<T>,
  ) {}

  getSession(options: GetSessionOptions): Promise<Session | undefined> {
    if (!this.#firstRead) return this.inner.getSession(options);
    this.#firstRead = false;
    return this.barrier(this.inner.getSession(options));
  }

  async createSession(options: CreateSessionOptions): Promise<Session> {
    this.creates++;
    try {
      return await this.inner.createSession(options);
    } catch (error) {
      this.createFailures.push(error);
      throw error;
    }
  }

  listSessions(options: ListSessionsOptions): Promise<ListSessionsResult> {
    return this.inner.listSessions(options);
  }

  deleteSession(options: DeleteSessionOptions): Promise<void> {
    return this.inner.deleteSession(options);
  }

  appendEvent(options: AppendEventOptions): Promise<Event> {
    return this.inner.appendEvent(options);
  }
}

/**
 * Two runners start a run on the same new session at the same moment. Exactly one create wins;
 * the other runner must read the winner's session instead of failing with `session.exists`.
 * Its user event may then lose the append race (`session.stale`, optimistic concurrency), but
 * never the creation.
 */
async function raceTwoRunners(stores: [SessionService, SessionService]): Promise<void> {
  const barrier = readBarrier(2);
  const racing = stores.map((store) => new RacingSessions(store, barrier));
  const runners = racing.map(
    (sessionService) =>
      new Runner({ appName: 'race', agent: new TestAgent('desk'), sessionService }),
  );
  const outcomes = await Promise.allSettled(
    runners.map((runner) => runToArray(runner.run('u1', 'new-session', userContent('hello')))),
  );

  // The race happened: both runners tried to create, one lost with session.exists.
  expect(racing.map((r) => r.creates)).toEqual([1, 1]);
  const lost = racing.flatMap((r) => r.createFailures);
  expect(lost).toHaveLength(1);
  expect(SessionExistsError.isInstance(lost[0])).toBe(true);

  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      expect(SessionExistsError.isInstance(outcome.reason), String(outcome.reason)).toBe(false);
      expect(StaleSessionError.isInstance(outcome.reason), String(outcome.reason)).toBe(true);
    }
  }
  expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true);
  const { sessions } = await stores[0].listSessions({ appName: 'race', userId: 'u1' });
  expect(sessions.map((s) => s.id)).toEqual(['new-session']);
}

describe('two runners creating the same new session at once', () => {
  it('in one process (InMemorySessionService): the loser of the create reads the winner’s session', async () => {
    const store = new InMemorySessionService();
    await raceTwoRunners([store, store]);
  });

  describe('on PostgreSQL, from two PostgresSessionService instances', () => {
    const schema = randomSchema();
    const first = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
    const second = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });

    beforeAll(async () => {
      await requirePostgres();
      await first.migrate();
    });

    afterAll(async () => {
      await first.close();
      await second.close();
      await dropSchema(schema);
    });

    it('the loser of the create reads the winner’s session', async () => {
      await raceTwoRunners([first, second]);
    });
  });
});
