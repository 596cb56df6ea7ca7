import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { firstValueFrom, toArray } from 'rxjs';
import { FerriteError, createEvent } from '@ferrite/core';
import { InMemorySessionService } from '@ferrite/session';
import { QueuedRunner } from '../index.js';
import { RunStreams } from '../stream/run-streams.js';
import { startPrivateRedis, type PrivateRedis } from '../testing/private-redis.js';

/**
 * A TCP relay between a front and the private Redis. Once `armAfter` is set, the first client
 * command written after one that names that text is held until `between()` has run (the test
 * restarts Redis there) and then sent to a fresh connection to the new server: a front's two
 * reads of one attach land on either side of a restart, deterministically.
 */
class Relay {
  readonly #server: Server;
  readonly #port: number;
  armAfter: string | undefined;
  between: () => Promise<void> = async () => {};
  fired = false;

  private constructor(server: Server, port: number) {
    this.#server = server;
    this.#port = port;
  }

  static async start(redisPort: number): Promise<Relay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const relay = new Relay(server, typeof address === 'object' && address ? address.port : 0);
    server.on('connection', (client) => relay.#pipe(client, redisPort));
    return relay;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  #pipe(client: Socket, redisPort: number): void {
    let upstream: Socket | undefined;
    const open = (): void => {
      const socket = connect(redisPort, '127.0.0.1');
      socket.on('data', (data) => client.write(data));
      socket.on('error', () => client.destroy());
      socket.on('close', () => {
        if (upstream === socket) client.destroy();
      });
      upstream = socket;
    };
    open();
    client.on('error', () => upstream?.destroy());
    client.on('close', () => upstream?.destroy());
    let armed = false;
    let queue = Promise.resolve();
    client.on('data', (data: Buffer) => {
      queue = queue.then(async () => {
        const text = data.toString('latin1');
        if (armed && !this.fired) {
          this.fired = true;
          const old = upstream;
          upstream = undefined;
          old?.destroy();
          await this.between();
          open();
        }
        if (this.armAfter !== undefined && !this.fired && text.includes(this.armAfter)) {
          armed = true;
        }
        upstream?.write(data);
      });
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('attaching after an event when Redis restarts empty during the attach', () => {
  const keyPrefix = 'ferrite-test:';
  let redis: PrivateRedis;
  let relay: Relay;
  let writer: Redis;
  let streams: RunStreams;
  let front: QueuedRunner;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    relay = await Relay.start(Number(new URL(redis.url).port));
    writer = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    writer.on('error', () => {});
    streams = new RunStreams({
      client: writer,
      keyPrefix,
      maxLength: 100,
      retentionMs: 60_000,
      liveTtlMs: 60_000,
      blockMs: 100,
      unreachableMs: 2_000,
    });
    front = new QueuedRunner({
      appName: 'shop',
      sessionService: new InMemorySessionService(),
      redis: relay.url,
      keyPrefix,
      stream: { blockMs: 100 },
    });
  });

  afterAll(async () => {
    await front?.close();
    streams?.close();
    writer?.disconnect();
    await relay?.close();
    await redis?.stop();
  });

  it('answers run.not_found, never invalid_argument, when the run was found before the restart and its stream searched after it', async () => {
    const id = randomUUID();
    expect(await streams.open(id, { appName: 'shop', userId: 'u1', sessionId: 's1' })).toBe(true);
    const stored = createEvent({ id: 'e1', content: { role: 'model', parts: [{ text: 'hi' }] } });
    expect(await streams.append(id, stored)).toBe('written');

    // The attach reads the run's meta on the first server; its next command reaches an empty one.
    relay.armAfter = `run:{${id}}:meta`;
    relay.between = () => redis.restart();
    const attached = firstValueFrom(
      front.attach('u1', 's1', id, { after: 'e1' }).pipe(toArray()),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    const error = await attached;
    expect(relay.fired).toBe(true);
    expect(FerriteError.isInstance(error)).toBe(true);
    expect((error as FerriteError).code).toBe('run.not_found');
    expect((error as FerriteError).message).toContain(id);
  });
});
