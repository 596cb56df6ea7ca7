import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { firstValueFrom, toArray } from 'rxjs';
import { createEvent, type Event } from '@ferrite/core';
import { REDIS_URL } from '../testing/private-redis.js';
import { RunStreams } from './run-streams.js';

const meta = { appName: 'shop', userId: 'u1', sessionId: 's1' };
const reply = (text: string, id: string, partial = false): Event =>
  createEvent({
    id,
    content: { role: 'model', parts: [{ text }] },
    ...(partial ? { partial } : {}),
  });

describe('RunStreams on the local Redis', () => {
  const keyPrefix = `ferrite-test:${randomBytes(4).toString('hex')}:`;
  let client: Redis;
  let streams: RunStreams;

  beforeAll(() => {
    client = new Redis(REDIS_URL);
    streams = new RunStreams({
      client,
      keyPrefix,
      maxLength: 100,
      retentionMs: 60_000,
      liveTtlMs: 60_000,
      blockMs: 100,
      unreachableMs: 2_000,
    });
  });

  afterAll(async () => {
    streams.close();
    const keys = await client.keys(`${keyPrefix}*`);
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });

  const entries = (id: string, after?: string) =>
    firstValueFrom(streams.read(id, after ? { after } : {}).pipe(toArray()));

  it('finds a stored event by id, not the partials of its reply that share that id', async () => {
    const id = randomUUID();
    await streams.open(id, meta);
    await streams.append(id, reply('He', 'e1', true));
    await streams.append(id, reply('llo', 'e1', true));
    await streams.append(id, reply('Hello', 'e1'));
    await streams.append(id, reply('Bye', 'e2'));
    await streams.finish(id, { type: 'end', outcome: 'completed' });
    const position = await streams.findEvent(id, 'e1');
    expect(position.kind).toBe('found');
    const rest = await entries(id, position.kind === 'found' ? position.id : undefined);
    expect(rest.map(({ entry }) => (entry.type === 'event' ? entry.event.id : entry.type))).toEqual(
      ['e2', 'end'],
    );
  });

  it('a run Redis lost (its meta gone) refuses further events and ends worker_lost, never completed', async () => {
    const id = randomUUID();
    await streams.open(id, meta);
    await streams.append(id, reply('Hello', 'e1'));
    // Redis restarted empty: the run's keys are gone.
    await client.del(`${keyPrefix}run:{${id}}`, `${keyPrefix}run:{${id}}:meta`);
    expect(await streams.append(id, reply('Bye', 'e2'))).toBe('lost');
    expect(await streams.finish(id, { type: 'end', outcome: 'completed' })).toBe(true);
    const read = await entries(id);
    expect(read.map(({ entry }) => entry)).toEqual([
      {
        type: 'error',
        code: 'run.worker_lost',
        message: `Redis lost run ${id} (its events are gone); the turn is not run again`,
      },
    ]);
  });

  it('tells an event absent from an intact stream from a run Redis lost (its meta gone)', async () => {
    const id = randomUUID();
    await streams.open(id, meta);
    await streams.append(id, reply('Hello', 'e1'));
    expect(await streams.findEvent(id, 'e9')).toEqual({ kind: 'absent' });
    // Redis restarted empty: the run's keys are gone.
    await client.del(`${keyPrefix}run:{${id}}`, `${keyPrefix}run:{${id}}:meta`);
    expect(await streams.findEvent(id, 'e1')).toEqual({ kind: 'lost' });
  });

  it('keeps one end: a second finish changes nothing and later events are refused', async () => {
    const id = randomUUID();
    await streams.open(id, meta);
    expect(
      await streams.finish(id, { type: 'error', code: 'run.worker_lost', message: 'lost' }),
    ).toBe(true);
    expect(await streams.finish(id, { type: 'end', outcome: 'completed' })).toBe(false);
    expect(await streams.append(id, reply('late', 'e9'))).toBe('ended');
    const read = await entries(id);
    expect(read.map(({ entry }) => entry.type)).toEqual(['error']);
    expect(await streams.open(id, meta)).toBe(false);
  });
});
