import type { SessionRunLock } from '@ferrite/core';
import type { ReadinessCheck } from '@ferrite/server';
import { StartupCheckError } from './open-backends.js';

/** The Redis of distributed mode: a session lock every node shares, a check, and close. */
export interface QueueRedis {
  readonly url: string;
  readonly sessionLock: SessionRunLock;
  readonly check: ReadinessCheck;
  close(): Promise<void>;
}

/**
 * Connects to the queue's Redis and checks it answers (`PING`) within `timeoutMs`; the session
 * lock on it makes `concurrency` hold across every server and worker. A failure rejects with a
 * {@link StartupCheckError} naming `setting`.
 */
export async function openRedis(
  url: string,
  setting: string,
  timeoutMs: number,
): Promise<QueueRedis> {
  const { Redis } = await import('ioredis');
  const { RedisSessionLock } = await import('@ferrite/distributed');
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
  });
  // Failures surface through commands; a connection 'error' without a listener would crash.
  client.on('error', () => undefined);
  const ping = async (): Promise<void> => {
    if (client.status === 'wait') await client.connect();
    await client.ping();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    client.disconnect();
    throw new StartupCheckError(`Redis: ${(error as Error).message}`, setting, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  const sessionLock = new RedisSessionLock({ redis: client });
  return {
    url,
    sessionLock,
    check: ping,
    close: async () => {
      await sessionLock.close();
      client.disconnect();
    },
  };
}
