import { InvalidArgumentError } from '@ferrite/core';
import type { RedisConnection } from '../stream/redis-connection.js';
import type { RunStreamsConfig } from '../stream/run-streams.js';

/** Settings a {@link QueuedRunner} and its {@link RunWorker}s must share. */
export interface QueueSettings {
  /** The Redis holding the queue and the run streams: a `redis://` URL or ioredis options. */
  redis: RedisConnection;
  /** The BullMQ queue (no `:`). Default `'ferrite-runs'`. */
  queueName?: string;
  /** Prefix of every key (BullMQ's under `<prefix>bull`). Default `'ferrite:'`. */
  keyPrefix?: string;
  /** Bounds of the run streams. */
  stream?: RunStreamSettings;
}

/** Bounds of the run streams (every event of a run, partials included). */
export interface RunStreamSettings {
  /** Entries kept per run; older ones are trimmed (`MAXLEN ~`). Default 10,000. */
  maxLength?: number;
  /** How long a finished run stays attachable. Default 600,000 (10 minutes). */
  retentionMs?: number;
  /** How long a live run's stream outlives its last entry. Default 3,600,000 (1 hour). */
  liveTtlMs?: number;
  /** Longest blocking read; an idle reader checks on the run's job this often. Default 1,000. */
  blockMs?: number;
  /** How long a reader retries an unreachable Redis before failing. Default 30,000. */
  unreachableMs?: number;
}

/** The settings with defaults filled and checked. */
export interface ResolvedQueueSettings {
  readonly queueName: string;
  readonly bullPrefix: string;
  readonly stream: Omit<RunStreamsConfig, 'client'>;
}

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${field} must be a positive integer`);
  }
  return value;
}

/** Fills the defaults; InvalidArgumentError on a bad value. */
export function resolveQueueSettings(settings: QueueSettings): ResolvedQueueSettings {
  if (settings.redis === undefined) throw new InvalidArgumentError('redis is required');
  const queueName = settings.queueName ?? 'ferrite-runs';
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(queueName)) {
    throw new InvalidArgumentError('queueName must be 1-128 characters of [A-Za-z0-9._-]');
  }
  const keyPrefix = settings.keyPrefix ?? 'ferrite:';
  if (typeof keyPrefix !== 'string' || keyPrefix.length > 128) {
    throw new InvalidArgumentError('keyPrefix must be a string of at most 128 characters');
  }
  const stream = settings.stream ?? {};
  return {
    queueName,
    bullPrefix: `${keyPrefix}bull`,
    stream: {
      keyPrefix,
      maxLength: positiveInteger(stream.maxLength, 10_000, 'stream.maxLength'),
      retentionMs: positiveInteger(stream.retentionMs, 600_000, 'stream.retentionMs'),
      liveTtlMs: positiveInteger(stream.liveTtlMs, 3_600_000, 'stream.liveTtlMs'),
      blockMs: positiveInteger(stream.blockMs, 1_000, 'stream.blockMs'),
      unreachableMs: positiveInteger(stream.unreachableMs, 30_000, 'stream.unreachableMs'),
    },
  };
}
