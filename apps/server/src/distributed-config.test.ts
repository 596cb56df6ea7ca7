import { describe, expect, it } from 'vitest';
import { readConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

describe('distributed settings', () => {
  it('runs in process without REDIS_URL, and queues with it', () => {
    expect(readConfig(base)).toMatchObject({ mode: 'server', distributed: undefined });
    expect(readConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({
      mode: 'server',
      runsOnDisconnect: 'cancel',
      distributed: {
        redisUrl: 'redis://127.0.0.1:6379',
        keyPrefix: 'ferrite:',
        workerConcurrency: 8,
        workerLockMs: 10_000,
        stalledCheckMs: 5_000,
      },
    });
  });

  it('refuses a worker without Redis, queued runs without the shared database, and bad values', () => {
    expect(() => readConfig({ ...base, FERRITE_MODE: 'worker' })).toThrow(
      /worker mode needs REDIS_URL/,
    );
    expect(() => readConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/needs DATABASE_URL/);
    expect(() => readConfig({ ...base, FERRITE_MODE: 'both' })).toThrow(/FERRITE_MODE/);
    expect(() => readConfig({ ...base, REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => readConfig({ ...base, RUNS_ON_DISCONNECT: 'keep' })).toThrow(/RUNS_ON_DISCONNECT/);
    expect(() =>
      readConfig({ ...base, REDIS_URL: 'redis://r:6379', WORKER_LOCK_MS: '10' }),
    ).toThrow(/WORKER_LOCK_MS/);
  });

  it('reads the worker settings', () => {
    expect(
      readConfig({
        ...base,
        REDIS_URL: 'redis://r:6379',
        FERRITE_MODE: 'worker',
        WORKER_CONCURRENCY: '3',
        WORKER_LOCK_MS: '2000',
        WORKER_STALLED_CHECK_MS: '700',
        REDIS_KEY_PREFIX: 'app1:',
        RUNS_ON_DISCONNECT: 'continue',
      }),
    ).toMatchObject({
      mode: 'worker',
      runsOnDisconnect: 'continue',
      distributed: {
        workerConcurrency: 3,
        workerLockMs: 2000,
        stalledCheckMs: 700,
        keyPrefix: 'app1:',
      },
    });
  });
});
