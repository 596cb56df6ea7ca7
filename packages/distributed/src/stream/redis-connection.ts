import { Redis, type RedisOptions } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { FerriteError, InternalError, InvalidArgumentError, UnavailableError } from '@ferrite/core';

/** Where a queue, a worker or a run stream finds Redis: a `redis://` URL or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** The ioredis options a URL or options object stands for (BullMQ makes its connections from them). */
export function redisOptionsOf(connection: RedisConnection, field = 'redis'): RedisOptions {
  if (typeof connection === 'object' && connection !== null) return { ...connection };
  if (typeof connection !== 'string') {
    throw new InvalidArgumentError(`${field} must be a redis:// URL or ioredis options`);
  }
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    throw new InvalidArgumentError(`${field} is not a URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new InvalidArgumentError(`${field} must be a redis:// or rediss:// URL`);
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new InvalidArgumentError(`${field} names database '${db}', which is not a number`);
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: url.port === '' ? 6379 : Number(url.port),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** A command client of ours: errors are reported through commands, never as an unhandled 'error'. */
export function commandClient(options: RedisOptions): Redis {
  const client = new Redis({ maxRetriesPerRequest: 2, ...options, lazyConnect: true });
  client.on('error', () => {});
  return client;
}

/**
 * The options of a connection BullMQ makes and owns. Its typings declare their own option shape;
 * ioredis options are what it passes on.
 */
export function bullConnection(
  options: RedisOptions,
  maxRetriesPerRequest: number | null,
): BullRedisOptions {
  return { ...options, maxRetriesPerRequest } as BullRedisOptions;
}

/** Replies of a Redis that is up but cannot serve now (loading, failing over, busy script). */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY)\b/;

/**
 * A failed Redis call as a Ferrite error, the original as `cause`: a Ferrite error passes
 * through; a command Redis itself refused (a reply error such as `WRONGTYPE`) is `internal`;
 * anything else means Redis could not be reached or cannot serve now (refused or closed
 * connection, retries exhausted, `LOADING`, …): `unavailable` (503), so a client may retry.
 */
export function redisFailure(what: string, error: unknown): FerriteError {
  if (FerriteError.isInstance(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  const refused =
    error instanceof Error && error.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(detail);
  return refused
    ? new InternalError(`${what}: Redis refused the command: ${detail}`, { cause: error })
    : new UnavailableError(`${what}: Redis unavailable: ${detail}`, { cause: error });
}
