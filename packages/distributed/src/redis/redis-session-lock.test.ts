import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ERROR_STATUS, FerriteError, InternalError, type SessionRunLock } from '@ferrite/core';
import { randomAppName, sessionRunLockContract } from '@ferrite/core/testing';
import { RedisSessionLock } from '../index.js';
import { REDIS_URL, startPrivateRedis } from '../testing/private-redis.js';

// One prefix per test run: nothing this run writes meets another run's keys.
const keyPrefix = `ferrite-test:${randomBytes(4).toString('hex')}:`;
const clients = new WeakMap<SessionRunLock, Redis>();

function newClient(url = REDIS_URL): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return client;
}

sessionRunLockContract('RedisSessionLock', {
  create: () => {
    const client = newClient();
    // A short expiry, so a dead holder's session frees quickly.
    const lock = new RedisSessionLock({ redis: client, keyPrefix, ttlMs: 600 });
    clients.set(lock, client);
    return lock;
  },
  dispose: async (lock) => {
    await lock.close?.();
    clients.get(lock)?.disconnect();
  },
  sharesStore: true,
  // A crashed node: its connection is gone, so the lock is no longer renewed and expires.
  killHolder: async (lock) => clients.get(lock)?.disconnect(),
});

describe('RedisSessionLock', () => {
  const holder = { interrupt() {} };
  const admin = newClient();
  afterAll(() => admin.disconnect());

  it('keeps the owner as an expiring key holding the run token, renewed while held', async () => {
    const lock = new RedisSessionLock({ redis: REDIS_URL, keyPrefix, ttlMs: 300 });
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const lease = await lock.acquire(key, { mode: 'queue', holder });
    const ownerKey = `${keyPrefix}lock:{${key.appName}/u1/s1}:owner`;
    const token = await admin.get(ownerKey);
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    // Three expiry periods later the key is still there, with the same token: it was renewed.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(await admin.get(ownerKey)).toBe(token);
    expect(await admin.pttl(ownerKey)).toBeGreaterThan(0);
    await lease.release();
    expect(await admin.exists(ownerKey)).toBe(0);
    await lock.close();
  });

  it('releases only for its own token: a lease whose key was taken over leaves the new owner alone', async () => {
    const lost: unknown[] = [];
    const lock = new RedisSessionLock({ redis: REDIS_URL, keyPrefix, ttlMs: 300 });
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const lease = await lock.acquire(key, {
      mode: 'queue',
      holder: { interrupt() {}, lost: (error) => lost.push(error) },
    });
    const ownerKey = `${keyPrefix}lock:{${key.appName}/u1/s1}:owner`;
    await admin.set(ownerKey, 'someone-else', 'PX', 10_000);
    // The next renewal finds another token: the holder is told, and release changes nothing.
    while (lost.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(InternalError.isInstance(lost[0])).toBe(true);
    await lease.release();
    expect(await admin.get(ownerKey)).toBe('someone-else');
    await admin.del(ownerKey);
    await lock.close();
  });

  it('fails unavailable (503) when Redis cannot be reached, keeping the cause', async () => {
    const lock = new RedisSessionLock({ redis: 'redis://127.0.0.1:1', keyPrefix });
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const failure = await lock.acquire(key, { mode: 'queue', holder }).then(
      () => undefined,
      (error: unknown) => error as FerriteError,
    );
    expect(FerriteError.isInstance(failure) && [failure.code, ERROR_STATUS[failure.code]]).toEqual([
      'unavailable',
      503,
    ]);
    expect(failure?.message).toContain('RedisSessionLock acquire: Redis unavailable');
    expect(failure?.cause).toBeInstanceOf(Error);
    expect(lock.isBusy(key)).toBe(false);
    await expect(lock.interrupt(key)).rejects.toMatchObject({ code: 'unavailable' });
    await lock.close();
  });

  it('tells the holder its lock is gone when Redis restarts empty, and works again after', async () => {
    await using redis = await startPrivateRedis();
    const lost: unknown[] = [];
    const lock = new RedisSessionLock({ redis: redis.url, keyPrefix, ttlMs: 300 });
    const key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    const lease = await lock.acquire(key, {
      mode: 'queue',
      holder: { interrupt() {}, lost: (error) => lost.push(error) },
    });
    await redis.restart();
    while (lost.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(InternalError.isInstance(lost[0])).toBe(true);
    await lease.release();
    const again = await lock.acquire(key, { mode: 'reject', holder });
    await again.release();
    await lock.close();
  });

  it('refuses a bad config with InvalidArgumentError', () => {
    expect(() => new RedisSessionLock({ redis: REDIS_URL, ttlMs: 5 })).toThrow(/ttlMs/);
    expect(() => new RedisSessionLock({} as never)).toThrow(/redis/);
  });
});
