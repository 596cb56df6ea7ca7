import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { firstValueFrom, filter, take } from 'rxjs';
import { WorkerLostError, userContent, type Event } from '@ferrite/core';
import { Runner, runToArray } from '@ferrite/runner';
import { PostgresSessionLock, PostgresSessionService } from '@ferrite/session/postgres';
import { POSTGRES_URL, dropSchema, randomSchema, requirePostgres } from '@ferrite/session/testing';
import { QueuedRunner, RunWorker } from '../index.js';
import { REDIS_URL } from '../testing/private-redis.js';
import { testAgent } from './fixtures/test-agent.js';
import { LOOKUP_CALL_ID, toolAgent } from './fixtures/tool-agent.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
const textOf = (event: Event): string => event.content?.parts[0]?.text ?? '';

function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@ferrite/source', FIXTURE],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}): ${stderr}`)));
  });
}

describe('a worker process that dies mid-run (SIGKILL)', () => {
  const schema = randomSchema();
  const keyPrefix = `ferrite-test:${randomBytes(4).toString('hex')}:`;
  const namespace = `wl_${randomBytes(4).toString('hex')}`;
  const timing = { lockDurationMs: 1_000, stalledIntervalMs: 500 };
  let sessionService: PostgresSessionService;
  let sessionLock: PostgresSessionLock;
  let front: QueuedRunner;
  let child: ChildProcess | undefined;
  let survivor: RunWorker | undefined;

  beforeAll(async () => {
    await requirePostgres();
    sessionService = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
    await sessionService.migrate();
    sessionLock = new PostgresSessionLock({ connectionString: POSTGRES_URL, namespace });
    front = new QueuedRunner({
      appName: 'shop',
      sessionService,
      redis: REDIS_URL,
      keyPrefix,
      stream: { blockMs: 200 },
    });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await survivor?.close();
    await front.close();
    await sessionLock.close();
    await sessionService.close();
    await dropSchema(schema);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('ends the run with run.worker_lost, never re-runs it, frees its session lock, and the next run works', async () => {
    child = await startWorkerProcess({
      DATABASE_URL: POSTGRES_URL,
      DATABASE_SCHEMA: schema,
      LOCK_NAMESPACE: namespace,
      REDIS_URL,
      KEY_PREFIX: keyPrefix,
      LOCK_DURATION_MS: String(timing.lockDurationMs),
      STALLED_INTERVAL_MS: String(timing.stalledIntervalMs),
    });
    const invocationId = randomUUID();
    const received: Event[] = [];
    let failure: unknown;
    const done = new Promise<void>((resolve) => {
      front.run('u1', 's-lost', userContent('hold forever'), { invocationId }).subscribe({
        next: (event) => received.push(event),
        error: (error: unknown) => {
          failure = error;
          resolve();
        },
        complete: resolve,
      });
    });
    // The child holds the run (its first stored event arrived), then dies without a word.
    await firstValueFrom(
      front.attach('u1', 's-lost', invocationId).pipe(
        filter((event) => !event.partial),
        take(1),
      ),
    );
    child.kill('SIGKILL');
    // A surviving worker's stalled-job check finds the dead worker's job.
    const runner = new Runner({ appName: 'shop', agent: testAgent, sessionService, sessionLock });
    survivor = new RunWorker({ runners: [runner], redis: REDIS_URL, keyPrefix, ...timing });
    await done;

    expect(WorkerLostError.isInstance(failure)).toBe(true);
    expect((failure as WorkerLostError).message).toContain('not run again');
    expect(received.map(textOf)).toEqual(['re: hold', 're: hold forever']);

    // The session lock died with the child's connection: 'reject' finds the session free.
    const next = await runToArray(
      front.run('u1', 's-lost', userContent('next'), { runConfig: { concurrency: 'reject' } }),
    );
    expect(next.map(textOf)).toContain('done next');

    // The cut turn was not run again: its stored events are the two it wrote before dying.
    const session = await sessionService.getSession({
      appName: 'shop',
      userId: 'u1',
      sessionId: 's-lost',
    });
    const cut = session!.events.filter((event) => event.invocationId === invocationId);
    expect(cut.map((event) => event.author)).toEqual(['user', 'root']);
    const queue = new Queue('ferrite-runs', {
      connection: { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) },
      prefix: `${keyPrefix}bull`,
    });
    const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    await queue.close();
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 });
    // And its attachable stream ends the same way for a client arriving late, on any node.
    await expect(runToArray(front.attach('u1', 's-lost', invocationId))).rejects.toSatisfy(
      (error) => WorkerLostError.isInstance(error),
    );
  });

  it('after a death with a tool call in flight, the next run on another worker tells the model the call was cancelled, and completes', async () => {
    // Own queue (key prefix) and app: the first case's survivor serves only app shop.
    const prefix = `${keyPrefix}desk:`;
    const desk = new QueuedRunner({
      appName: 'desk',
      sessionService,
      redis: REDIS_URL,
      keyPrefix: prefix,
      stream: { blockMs: 200 },
    });
    let deskChild: ChildProcess | undefined;
    let next: RunWorker | undefined;
    try {
      deskChild = await startWorkerProcess({
        APP: 'desk',
        DATABASE_URL: POSTGRES_URL,
        DATABASE_SCHEMA: schema,
        LOCK_NAMESPACE: namespace,
        REDIS_URL,
        KEY_PREFIX: prefix,
        LOCK_DURATION_MS: String(timing.lockDurationMs),
        STALLED_INTERVAL_MS: String(timing.stalledIntervalMs),
      });
      const invocationId = randomUUID();
      const cut = runToArray(
        desk.run('u1', 's-tool', userContent('find kettles'), { invocationId }),
      ).then(
        () => undefined,
        (error: unknown) => error,
      );
      // The model's call is stored; the tool is running (it never returns) when the worker dies.
      const call = await firstValueFrom(
        desk.attach('u1', 's-tool', invocationId).pipe(
          filter((event) => event.content?.parts.some((part) => part.functionCall) === true),
          take(1),
        ),
      );
      expect(call.content?.parts[0]?.functionCall?.id).toBe(LOOKUP_CALL_ID);
      deskChild.kill('SIGKILL');

      // Another worker, whose model records what it is sent.
      const { agent, model } = toolAgent(['Sorry, the lookup did not finish. Try again?']);
      const runner = new Runner({ appName: 'desk', agent, sessionService, sessionLock });
      next = new RunWorker({ runners: [runner], redis: REDIS_URL, keyPrefix: prefix, ...timing });
      expect(WorkerLostError.isInstance(await cut)).toBe(true);

      const stored = (await sessionService.getSession({
        appName: 'desk',
        userId: 'u1',
        sessionId: 's-tool',
      }))!.events;
      // The cut turn stored the call and no response.
      expect(stored.flatMap((event) => event.content?.parts ?? [])).toEqual([
        { text: 'find kettles' },
        expect.objectContaining({ functionCall: expect.objectContaining({ id: LOOKUP_CALL_ID }) }),
      ]);

      const events = await runToArray(desk.run('u1', 's-tool', userContent('any news?')));
      expect(events.map(textOf)).toContain('Sorry, the lookup did not finish. Try again?');
      expect(model.requests).toHaveLength(1);
      const history = model.requests[0]!.contents.map((content) => ({
        role: content.role,
        parts: content.parts.map((part) =>
          part.text !== undefined
            ? { text: part.text }
            : part.functionCall
              ? { call: part.functionCall.id }
              : { response: part.functionResponse?.id, body: part.functionResponse?.response },
        ),
      }));
      expect(history).toEqual([
        { role: 'user', parts: [{ text: 'find kettles' }] },
        { role: 'model', parts: [{ call: LOOKUP_CALL_ID }] },
        {
          role: 'user',
          parts: [
            {
              response: LOOKUP_CALL_ID,
              body: { error: expect.stringContaining('cancelled') },
            },
          ],
        },
        { role: 'user', parts: [{ text: 'any news?' }] },
      ]);
    } finally {
      deskChild?.kill('SIGKILL');
      await next?.close();
      await desk.close();
    }
  });
});
