import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { firstValueFrom, filter, take } from 'rxjs';
import {
  ERROR_STATUS,
  FerriteError,
  RunNotFoundError,
  userContent,
  type Event,
  type SessionService,
} from '@ferrite/core';
import { Runner, runToArray } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { QueuedRunner, RunWorker } from '../index.js';
import { REDIS_URL } from '../testing/private-redis.js';
import { abortedRuns, testAgent } from '../worker/fixtures/test-agent.js';

const textOf = (event: Event): string => event.content?.parts[0]?.text ?? '';

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('QueuedRunner and RunWorker on the local Redis', () => {
  const keyPrefix = `ferrite-test:${randomBytes(4).toString('hex')}:`;
  const settings = { redis: REDIS_URL, keyPrefix, stream: { blockMs: 200 } };
  let sessionService: SessionService;
  let runner: Runner;
  let front: QueuedRunner;
  let otherNode: QueuedRunner;
  let worker: RunWorker;
  let redis: Redis;

  beforeAll(async () => {
    sessionService = new InMemorySessionService();
    runner = new Runner({ appName: 'shop', agent: testAgent, sessionService });
    worker = new RunWorker({ runners: [runner], ...settings });
    await worker.ready();
    front = new QueuedRunner({ appName: 'shop', sessionService, ...settings });
    otherNode = new QueuedRunner({ appName: 'shop', sessionService, ...settings });
    redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await front.close();
    await otherNode.close();
    await worker.close();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const storedOf = async (sessionId: string, invocationId: string): Promise<Event[]> =>
    (await sessionService.getSession({ appName: 'shop', userId: 'u1', sessionId }))!.events.filter(
      (event) => event.invocationId === invocationId && event.author !== 'user',
    );

  it('runs on the worker and streams every event, partials included, as the Runner emits them', async () => {
    const invocationId = randomUUID();
    const events = await runToArray(
      front.run('u1', 's-basic', userContent('hello'), { invocationId }),
    );
    expect(events.map((event) => [textOf(event), event.partial === true])).toEqual([
      ['re: hell', true],
      ['re: hello', false],
      ['do', true],
      ['done hello', false],
    ]);
    expect(events.every((event) => event.invocationId === invocationId)).toBe(true);
    const stored = await storedOf('s-basic', invocationId);
    expect(stored.map((event) => event.id)).toEqual(
      events.filter((event) => !event.partial).map((event) => event.id),
    );
  });

  it('delivers the run error as the same typed error', async () => {
    const error = await runToArray(
      front.run('u1', 's-error', userContent('x'), { runConfig: { maxDurationMs: -1 } }),
    ).catch((caught: unknown) => caught);
    expect(FerriteError.isInstance(error)).toBe(true);
    expect((error as FerriteError).code).toBe('invalid_argument');
  });

  it('cancels the run on its worker when the caller unsubscribes (the agent sees ctx.signal abort)', async () => {
    const run$ = front.run('u1', 's-cancel', userContent('hold cancel-me'));
    const first = await firstValueFrom(
      run$.pipe(
        filter((event) => !event.partial),
        take(1),
      ),
    );
    expect(textOf(first)).toBe('re: hold cancel-me');
    // firstValueFrom unsubscribed: the cancel travels to the worker.
    await until(() => abortedRuns.has('hold cancel-me'), 'the agent to be aborted');
    await until(() => worker.activeRuns === 0, 'the worker to end the run');
    const events = await runToArray(front.run('u1', 's-cancel', userContent('after')));
    expect(events.map(textOf)).toContain('done after');
  });

  it('keeps a detached run going after the caller leaves, and another node attaches from the start or after an event', async () => {
    const invocationId = randomUUID();
    const run$ = front.run('u1', 's-detach', userContent('slow detached'), {
      invocationId,
      detached: true,
    });
    const first = await firstValueFrom(
      run$.pipe(
        filter((event) => !event.partial),
        take(1),
      ),
    );
    const resumed = await runToArray(
      otherNode.attach('u1', 's-detach', invocationId, { after: first.id }),
    );
    expect(resumed.map(textOf)).toEqual(['do', 'done slow detached']);
    expect(abortedRuns.has('slow detached')).toBe(false);
    const whole = await runToArray(otherNode.attach('u1', 's-detach', invocationId));
    expect(whole.map(textOf)).toEqual([
      're: slow',
      're: slow detached',
      'do',
      'done slow detached',
    ]);
    const stored = await storedOf('s-detach', invocationId);
    expect(stored.map((event) => event.id)).toEqual(
      whole.filter((event) => !event.partial).map((event) => event.id),
    );
  });

  it('answers run.not_found for an unknown run or another session, invalid_argument for an unknown event id', async () => {
    const invocationId = randomUUID();
    await runToArray(front.run('u1', 's-known', userContent('hi'), { invocationId }));
    await expect(runToArray(otherNode.attach('u1', 's-known', randomUUID()))).rejects.toSatisfy(
      (error) => RunNotFoundError.isInstance(error),
    );
    await expect(runToArray(otherNode.attach('u1', 's-other', invocationId))).rejects.toSatisfy(
      (error) => RunNotFoundError.isInstance(error),
    );
    await expect(
      runToArray(otherNode.attach('u1', 's-known', invocationId, { after: 'nope' })),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('refuses a second run with the same invocation id', async () => {
    const invocationId = randomUUID();
    await runToArray(front.run('u1', 's-dup', userContent('one'), { invocationId }));
    await expect(
      runToArray(front.run('u1', 's-dup', userContent('two'), { invocationId })),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('bounds each run stream: capped length and an expiry once the run ended', async () => {
    const invocationId = randomUUID();
    await runToArray(front.run('u1', 's-bounds', userContent('hi'), { invocationId }));
    const key = `${keyPrefix}run:{${invocationId}}`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600_000);
    expect(await redis.pttl(`${key}:meta`)).toBeGreaterThan(0);
  });

  it('a worker closing with runs in flight lets them finish within the grace, then cancels the rest with unavailable', async () => {
    const closingRunner = new Runner({ appName: 'shop', agent: testAgent, sessionService });
    const prefix = `${keyPrefix}close:`;
    const closing = new RunWorker({
      runners: [closingRunner],
      redis: REDIS_URL,
      keyPrefix: prefix,
    });
    await closing.ready();
    const client = new QueuedRunner({
      appName: 'shop',
      sessionService,
      redis: REDIS_URL,
      keyPrefix: prefix,
      stream: { blockMs: 200 },
    });
    try {
      const quick = runToArray(client.run('u1', 's-close-1', userContent('slow quick')));
      const stuck = runToArray(client.run('u1', 's-close-2', userContent('hold stuck'))).then(
        () => undefined,
        (error: unknown) => error,
      );
      await until(() => closing.activeRuns === 2, 'both runs to start');
      await closing.close({ graceMs: 600 });
      expect((await quick).map(textOf)).toContain('done slow quick');
      expect(await stuck).toMatchObject({ code: 'unavailable' });
      expect(abortedRuns.has('hold stuck')).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('QueuedRunner when Redis cannot be reached', () => {
  it('fails run and attach with unavailable (503), the connection error kept as cause', async () => {
    const unreachable = new QueuedRunner({
      appName: 'shop',
      sessionService: new InMemorySessionService(),
      redis: 'redis://127.0.0.1:1',
      stream: { blockMs: 200 },
    });
    try {
      const failures = [
        await runToArray(unreachable.run('u1', 's-down', userContent('hi'))).catch(
          (error: unknown) => error as FerriteError,
        ),
        await runToArray(unreachable.attach('u1', 's-down', randomUUID())).catch(
          (error: unknown) => error as FerriteError,
        ),
      ];
      for (const failure of failures) {
        expect(FerriteError.isInstance(failure), (failure as Error).message).toBe(true);
        const { code } = failure as FerriteError;
        expect([code, ERROR_STATUS[code]]).toEqual(['unavailable', 503]);
        expect((failure as FerriteError).message).toContain('Redis unavailable');
        expect((failure as FerriteError).cause).toBeInstanceOf(Error);
      }
    } finally {
      await unreachable.close();
    }
  });
});
