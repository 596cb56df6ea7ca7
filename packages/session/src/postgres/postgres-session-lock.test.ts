import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, FerriteError, type SessionRunLock } from '@ferrite/core';
import { randomAppName, sessionRunLockContract } from '@ferrite/core/testing';
import { POSTGRES_URL, adminQuery, requirePostgres } from '../testing.js';
import { PostgresSessionLock } from './index.js';

const namespace = `lock_test_${randomBytes(4).toString('hex')}`;
const applicationNames = new WeakMap<SessionRunLock, string>();
let nodes = 0;

function newLock(): PostgresSessionLock {
  nodes += 1;
  const applicationName = `${namespace}_node${nodes}`;
  const lock = new PostgresSessionLock({
    connectionString: POSTGRES_URL,
    namespace,
    applicationName,
  });
  applicationNames.set(lock, applicationName);
  return lock;
}

/** Advisory locks of this test run's connections, as PostgreSQL lists them. */
async function advisoryLocks(): Promise<{ granted: boolean; name: string }[]> {
  return adminQuery(
    `SELECT l.granted, a.application_name AS name FROM pg_locks l
       JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND a.application_name LIKE $1`,
    [`${namespace}_%`],
  );
}

beforeAll(requirePostgres);

sessionRunLockContract('PostgresSessionLock', {
  create: newLock,
  dispose: (lock) => lock.close?.(),
  sharesStore: true,
  // A crashed node: PostgreSQL ends every backend of that lock (held, waiting and listening).
  killHolder: async (lock) => {
    await adminQuery(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationNames.get(lock)],
    );
  },
});

describe('PostgresSessionLock', () => {
  const locks: PostgresSessionLock[] = [];
  const node = () => {
    const lock = newLock();
    locks.push(lock);
    return lock;
  };
  const holder = { interrupt() {} };
  afterAll(async () => {
    for (const lock of locks) await lock.close();
  });

  it('holds the session as an advisory lock on its own connection, gone once released', async () => {
    const lock = node();
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const lease = await lock.acquire(key, { mode: 'queue', holder });
    const held = (await advisoryLocks()).filter((row) => row.name === applicationNames.get(lock));
    expect(held).toEqual([{ granted: true, name: applicationNames.get(lock) }]);
    await lease.release();
    expect(
      (await advisoryLocks()).filter((row) => row.name === applicationNames.get(lock)),
    ).toEqual([]);
  });

  it('grants nodes in the order their runs joined PostgreSQL’s lock queue', async () => {
    const [first, second, third] = [node(), node(), node()];
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const lease = await first.acquire(key, { mode: 'queue', holder });
    const order: string[] = [];
    const waitInLine = async (lock: PostgresSessionLock, label: string, queued: number) => {
      const granted = lock.acquire(key, { mode: 'queue', holder }).then(async (next) => {
        order.push(label);
        await next.release();
      });
      // The next node asks only once this one waits in PostgreSQL.
      while ((await advisoryLocks()).filter((row) => !row.granted).length < queued) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return { granted };
    };
    const secondInLine = await waitInLine(second, 'second', 1);
    const thirdInLine = await waitInLine(third, 'third', 2);
    await lease.release();
    await Promise.all([secondInLine.granted, thirdInLine.granted]);
    expect(order).toEqual(['second', 'third']);
  });

  it('takes a cancelled first-in-line wait out of PostgreSQL’s lock queue at once', async () => {
    const [first, second] = [node(), node()];
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const lease = await first.acquire(key, { mode: 'queue', holder });
    const controller = new AbortController();
    const waiting = second.acquire(key, { mode: 'queue', holder, signal: controller.signal });
    const secondName = applicationNames.get(second);
    const waitingRows = async () =>
      (await advisoryLocks()).filter((row) => row.name === secondName && !row.granted);
    while ((await waitingRows()).length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    // Still held by the first node, yet nothing of the second waits in PostgreSQL any more.
    while ((await waitingRows()).length > 0) await new Promise((r) => setTimeout(r, 5));
    expect(second.isBusy(key)).toBe(false);
    await lease.release();
  });

  it('fails unavailable (503) when PostgreSQL cannot be reached, naming the server and never the password', async () => {
    const lock = new PostgresSessionLock({
      connectionString: 'postgres://postgres:s3cret-pw@127.0.0.1:1/test',
    });
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const error = await lock.acquire(key, { mode: 'queue', holder }).then(
      () => undefined,
      (failure: unknown) => failure as FerriteError,
    );
    expect(FerriteError.isInstance(error) && [error.code, ERROR_STATUS[error.code]]).toEqual([
      'unavailable',
      503,
    ]);
    expect(error?.message).toContain('127.0.0.1:1');
    expect(error?.message).not.toContain('s3cret-pw');
    expect((error?.cause as { code?: unknown } | undefined)?.code).toBe('ECONNREFUSED');
    expect(lock.isBusy(key)).toBe(false);
    await expect(lock.interrupt(key)).rejects.toMatchObject({ code: 'unavailable' });
    await lock.close();
  });

  it('tells the holder unavailable when the connection holding its session is terminated', async () => {
    const lock = node();
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    let lost: FerriteError | undefined;
    const lease = await lock.acquire(key, {
      mode: 'queue',
      holder: { interrupt() {}, lost: (error) => (lost = error) },
    });
    await adminQuery(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1`,
      [applicationNames.get(lock)],
    );
    while (lost === undefined) await new Promise((r) => setTimeout(r, 5));
    expect(lost.code).toBe('unavailable');
    expect(lost.message).toMatch(/lost its PostgreSQL lock at 127\.0\.0\.1:\d+/);
    await lease.release();
    // The lock works again at once on a fresh connection.
    await (await lock.acquire(key, { mode: 'reject', holder })).release();
  });

  it('refuses a bad config and a bad key with InvalidArgumentError', async () => {
    expect(() => new PostgresSessionLock({ maxConnections: 0 })).toThrow(/maxConnections/);
    const lock = node();
    await expect(
      lock.acquire({ appName: 'a/b', userId: 'u1', sessionId: 's1' }, { mode: 'queue', holder }),
    ).rejects.toThrow(/appName/);
  });
});
