// Session run locks: what one run pays for its lock, uncontended, per implementation. The same
// agent turn (one event) through a Runner on an InMemorySessionService with the default
// in-process lock, a PostgresSessionLock (local PostgreSQL, FERRITE_BENCH_POSTGRES_URL) and a
// RedisSessionLock (local Redis, FERRITE_BENCH_REDIS_URL); and the bare acquire + release of each.
import { randomBytes } from 'node:crypto';
import { lastValueFrom } from 'rxjs';
import { createEvent, userContent, type Agent, type SessionRunLock } from '@ferrite/core';
import { RedisSessionLock } from '@ferrite/distributed';
import { InProcessSessionLock, Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { PostgresSessionLock } from '@ferrite/session/postgres';
import { bestOf, ratio, report, type Measurement } from './harness.js';

const postgresUrl =
  process.env.FERRITE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.FERRITE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');

const agent: Agent = {
  name: 'echo',
  description: 'answers with one event',
  subAgents: [],
  run: () => [createEvent({ content: { role: 'model', parts: [{ text: 'ok' }] } })],
};

const locks: Record<string, SessionRunLock> = {
  'in-process': new InProcessSessionLock(),
  postgres: new PostgresSessionLock({ connectionString: postgresUrl, namespace: `bench_${runId}` }),
  redis: new RedisSessionLock({ redis: redisUrl, keyPrefix: `ferrite-bench:${runId}:` }),
};

function runnerWith(sessionLock: SessionRunLock): Runner {
  return new Runner({
    appName: 'bench',
    agent,
    sessionService: new InMemorySessionService(),
    sessionLock,
    runConfig: { streamingMode: 'none' },
  });
}

const holder = { interrupt() {} };
const turnCases: Record<string, (index: number) => unknown> = {};
const lockCases: Record<string, (index: number) => unknown> = {};
for (const [name, lock] of Object.entries(locks)) {
  const runner = runnerWith(lock);
  // Ten sessions in turn: each run finds its session free (no contention), and long histories
  // do not build up.
  turnCases[`turn, ${name} lock`] = (index) =>
    lastValueFrom(runner.run('u1', `s${index % 10}`, userContent('hi')));
  lockCases[`acquire + release, ${name}`] = async (index) => {
    const key = { appName: 'bench', userId: 'u1', sessionId: `l${index % 10}` };
    const lease = await lock.acquire(key, { mode: 'queue', holder });
    await lease.release();
  };
}

const turns = await bestOf(3, turnCases, { operations: 2_000 });
const bare = await bestOf(3, lockCases, { operations: 2_000 });
const [turnMemory, turnPostgres, turnRedis] = turns as [Measurement, Measurement, Measurement];
const [lockMemory, lockPostgres, lockRedis] = bare as [Measurement, Measurement, Measurement];

report('Runner turn per session lock (wall µs per run, uncontended)', turns, {
  'postgres lock turn / in-process lock turn': ratio(turnPostgres, turnMemory),
  'redis lock turn / in-process lock turn': ratio(turnRedis, turnMemory),
  'in-process acquire+release / in-process turn': ratio(lockMemory, turnMemory),
});
report('Lock alone: acquire + release (wall µs)', bare, {
  'postgres / in-process': ratio(lockPostgres, lockMemory),
  'redis / in-process': ratio(lockRedis, lockMemory),
});
console.log(
  `lock cost added to a run: postgres ${(turnPostgres.microsPerOp - turnMemory.microsPerOp).toFixed(0)} µs, ` +
    `redis ${(turnRedis.microsPerOp - turnMemory.microsPerOp).toFixed(0)} µs`,
);

for (const lock of Object.values(locks)) await lock.close?.();
