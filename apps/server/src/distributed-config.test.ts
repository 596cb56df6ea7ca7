import { describe, expect, it } from 'vitest';
import { parseArguments, readSettings } from '@ferrite/cli';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' };

/** The command apps/server runs with this environment and no argument. */
function commandOf(env: NodeJS.ProcessEnv): string {
  const parsed = parseArguments([], { env, defaultCommand: 'serve' });
  if (parsed.kind !== 'run') throw new Error(parsed.kind === 'invalid' ? parsed.message : 'help');
  return parsed.command;
}

describe('distributed settings', () => {
  it('runs in process without REDIS_URL, and queues with it', () => {
    expect(commandOf(base)).toBe('serve');
    expect(readSettings('serve', {}, base)).toMatchObject({ redis: undefined });
    expect(commandOf({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' })).toBe('serve');
    expect(
      readSettings('serve', {}, { ...base, REDIS_URL: 'redis://127.0.0.1:6379' }),
    ).toMatchObject({
      runsOnDisconnect: 'cancel',
      redis: 'redis://127.0.0.1:6379',
      redisPrefix: 'ferrite:',
      workerConcurrency: 8,
      workerLockMs: 10_000,
      workerStalledCheckMs: 5_000,
    });
  });

  it('refuses a worker without Redis, queued runs without the shared database, and bad values', () => {
    expect(commandOf({ ...base, FERRITE_MODE: 'worker' })).toBe('worker');
    expect(() => readSettings('worker', {}, base)).toThrow(
      /REDIS_URL\) is required by `ferrite worker`/,
    );
    expect(() => readSettings('serve', {}, { REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /REDIS_URL needs sessions every process shares.*DATABASE_URL/,
    );
    expect(() => commandOf({ ...base, FERRITE_MODE: 'both' })).toThrow(/FERRITE_MODE/);
    expect(() => readSettings('serve', {}, { ...base, REDIS_URL: 'http://x' })).toThrow(
      /REDIS_URL/,
    );
    expect(() => readSettings('serve', {}, { ...base, RUNS_ON_DISCONNECT: 'keep' })).toThrow(
      /RUNS_ON_DISCONNECT/,
    );
    expect(() =>
      readSettings('worker', {}, { ...base, REDIS_URL: 'redis://r:6379', WORKER_LOCK_MS: '10' }),
    ).toThrow(/WORKER_LOCK_MS/);
  });

  it('reads the worker settings', () => {
    const env = {
      ...base,
      REDIS_URL: 'redis://r:6379',
      FERRITE_MODE: 'worker',
      WORKER_CONCURRENCY: '3',
      WORKER_LOCK_MS: '2000',
      WORKER_STALLED_CHECK_MS: '700',
      REDIS_KEY_PREFIX: 'app1:',
      RUNS_ON_DISCONNECT: 'continue',
    };
    expect(commandOf(env)).toBe('worker');
    expect(readSettings('worker', {}, env)).toMatchObject({
      workerConcurrency: 3,
      workerLockMs: 2000,
      workerStalledCheckMs: 700,
      redisPrefix: 'app1:',
    });
    // What a client leaving does to its run is the serving node's setting.
    expect(readSettings('serve', {}, env)).toMatchObject({ runsOnDisconnect: 'continue' });
  });
});
