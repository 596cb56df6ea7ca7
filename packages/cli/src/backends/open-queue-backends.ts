import type { SessionRunLock } from '@ferrite/core';
import type { ReadinessCheck } from '@ferrite/server';
import type { CliSettings } from '../config/read-settings.js';
import { StartupCheckError } from './open-backends.js';

/** Distributed mode's shared parts: the queue's Redis (checked) and the session lock. */
export interface QueueBackends {
  /** PostgreSQL advisory locks on the session database, shared by every server and worker. */
  readonly sessionLock: SessionRunLock;
  /** `PING` on the queue's Redis, for `/ready`. */
  readonly check: ReadinessCheck;
  close(): Promise<void>;
}

/**
 * Checks that the queue's Redis answers (`PING`) within `checkTimeoutMs` and opens the session
 * lock every node shares: PostgreSQL advisory locks on the session database (one namespace per
 * schema), so `concurrency` holds across processes and a dead worker's sessions are freed with
 * its connections. A failure rejects with a {@link StartupCheckError} naming the setting.
 */
export async function openQueueBackends(
  settings: CliSettings,
  role: string,
): Promise<QueueBackends> {
  const url = settings.redis!;
  const { Redis } = await import('ioredis');
  const timeoutMs = settings.checkTimeoutMs;
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
    throw new StartupCheckError(`Redis: ${(error as Error).message}`, settings.sourceOf('redis'), {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  // The settings schema makes distributed mode require PostgreSQL sessions.
  const sessions = settings.sessions as Extract<CliSettings['sessions'], { kind: 'postgres' }>;
  const { PostgresSessionLock } = await import('@ferrite/session/postgres');
  const namespace = sessions.schema ?? 'ferrite';
  const sessionLock = new PostgresSessionLock({
    connectionString: sessions.connectionString,
    namespace,
    maxConnections: settings.workerConcurrency + 2,
    applicationName: `ferrite-${role}-${namespace}`.slice(0, 63),
  });
  return {
    sessionLock,
    check: ping,
    close: async () => {
      await sessionLock.close?.();
      client.disconnect();
    },
  };
}
