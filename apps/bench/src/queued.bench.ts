// Queued runs (QueuedRunner → BullMQ → RunWorker → Redis stream) against the in-process Runner
// on the same stores (PostgreSQL sessions at FERRITE_BENCH_POSTGRES_URL, Redis at
// FERRITE_BENCH_REDIS_URL): what a turn costs, how long until its first event, and how runs
// with a 50 ms model call scale with 1, 2 and 4 workers (in-process RunWorker instances).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { createEvent, userContent, type Agent } from '@ferrite/core';
import { QueuedRunner, RunWorker } from '@ferrite/distributed';
import { Runner } from '@ferrite/runner';
import { PostgresSessionService } from '@ferrite/session/postgres';
import { bestOf, ratio, report, toMeasurement, type Measurement } from './harness.js';

const postgresUrl =
  process.env.FERRITE_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.FERRITE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = randomBytes(4).toString('hex');
const schema = `bench_queued_${runId}`;

const say = (text: string) => createEvent({ content: { role: 'model', parts: [{ text }] } });
const oneEvent: Agent = {
  name: 'echo',
  description: 'one event',
  subAgents: [],
  run: () => [say('ok')],
};
const modelCall: Agent = {
  name: 'slow',
  description: 'a 50 ms model call, then one event',
  subAgents: [],
  async *run(context) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (!context.signal.aborted) yield say('ok');
  },
};

const sessionService = new PostgresSessionService({ connectionString: postgresUrl, schema });
await sessionService.migrate();
const settings = (name: string) => ({
  redis: redisUrl,
  keyPrefix: `ferrite-bench:${runId}:${name}:`,
});
const turnRunner = new Runner({
  appName: 'bench',
  agent: oneEvent,
  sessionService,
  runConfig: { streamingMode: 'none' },
});
const turnWorker = new RunWorker({ runners: [turnRunner], ...settings('turn') });
await turnWorker.ready();
const turnQueue = new QueuedRunner({ appName: 'bench', sessionService, ...settings('turn') });

// Per-turn overhead, sequential runs on ten sessions in turn.
const turns = await bestOf(
  3,
  {
    'turn, in-process Runner': (index) =>
      lastValueFrom(turnRunner.run('u1', `t${index % 10}`, userContent('hi'))),
    'turn, queued (QueuedRunner + RunWorker)': (index) =>
      lastValueFrom(turnQueue.run('u1', `q${index % 10}`, userContent('hi'))),
  },
  { operations: 200 },
);
const [turnLocal, turnQueued] = turns as [Measurement, Measurement];

// Time to the first event: from subscription to the first event the caller sees.
async function timeToFirst(
  name: string,
  start: (index: number) => Promise<unknown>,
): Promise<Measurement> {
  let total = 0;
  const operations = 200;
  for (let i = 0; i < 20; i += 1) await start(i);
  for (let i = 0; i < operations; i += 1) {
    const began = performance.now();
    await start(20 + i);
    total += performance.now() - began;
  }
  return toMeasurement(name, operations, total);
}
const firsts = [
  await timeToFirst('first event, in-process Runner', (index) =>
    firstValueFrom(turnRunner.run('u1', `f${index % 10}`, userContent('hi'))),
  ),
  await timeToFirst('first event, queued', (index) =>
    firstValueFrom(turnQueue.run('u1', `g${index % 10}`, userContent('hi'))),
  ),
];
const [firstLocal, firstQueued] = firsts as [Measurement, Measurement];
await turnQueue.close();
await turnWorker.close();

// Throughput: 200 runs with a 50 ms model call, all queued at once, on 1, 2 and 4 workers
// (each with the default concurrency of 8), against the same 200 runs in-process.
const RUNS = 200;
async function burst(name: string, run: (index: number) => Promise<unknown>): Promise<Measurement> {
  const began = performance.now();
  await Promise.all(Array.from({ length: RUNS }, (_, index) => run(index)));
  return toMeasurement(name, RUNS, performance.now() - began);
}
const slowRunner = new Runner({
  appName: 'bench',
  agent: modelCall,
  sessionService,
  runConfig: { streamingMode: 'none' },
});
const bursts: Measurement[] = [
  await burst('200 runs, in-process Runner', (index) =>
    lastValueFrom(slowRunner.run('u1', `local-${runId}-${index}`, userContent('hi'))),
  ),
];
for (const count of [1, 2, 4]) {
  const name = `w${count}`;
  const workers = Array.from(
    { length: count },
    () => new RunWorker({ runners: [slowRunner], ...settings(name) }),
  );
  await Promise.all(workers.map((worker) => worker.ready()));
  const front = new QueuedRunner({ appName: 'bench', sessionService, ...settings(name) });
  bursts.push(
    await burst(`200 runs, queued, ${count} worker(s) × 8`, (index) =>
      lastValueFrom(front.run('u1', `${name}-${runId}-${index}`, userContent('hi'))),
    ),
  );
  await front.close();
  await Promise.all(workers.map((worker) => worker.close()));
}
const [burstLocal, burst1, burst2, burst4] = bursts as [
  Measurement,
  Measurement,
  Measurement,
  Measurement,
];

report('Queued vs in-process turn (wall µs per run, sequential, PostgreSQL sessions)', turns, {
  'queued turn / in-process turn': ratio(turnQueued, turnLocal),
});
console.log(
  `queue overhead per turn: ${(turnQueued.microsPerOp - turnLocal.microsPerOp).toFixed(0)} µs`,
);
report('Time to first event (wall µs)', firsts, {
  'queued / in-process': ratio(firstQueued, firstLocal),
});
report('Throughput, 50 ms model call, 200 runs at once (µs per run = wall / 200)', bursts, {
  '2 workers vs 1 (speed-up)': ratio(burst1, burst2),
  '4 workers vs 1 (speed-up)': ratio(burst1, burst4),
  '4 workers / in-process (time)': ratio(burst4, burstLocal),
});

await sessionService.close();
const { Client } = (await import('pg')).default;
const client = new Client({ connectionString: postgresUrl });
await client.connect();
await client.query(`drop schema if exists ${schema} cascade`);
await client.end();
