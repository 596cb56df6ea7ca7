import { InvalidArgumentError } from '@ferrite/core';

/** What the server reads for distributed runs (queued on Redis, run by workers). */
interface DistributedConfig {
  /** `REDIS_URL`: the queue and the run streams; setting it makes the server queue its runs. */
  redisUrl: string;
  /** `REDIS_KEY_PREFIX` (default `ferrite:`): every key of the queue, streams and locks. */
  keyPrefix: string;
  /** `WORKER_CONCURRENCY` (default 8): runs one worker process executes at once. */
  workerConcurrency: number;
  /** `WORKER_LOCK_MS` (default 10,000): how long a dead worker's run takes to fail `run.worker_lost`. */
  workerLockMs: number;
  /** `WORKER_STALLED_CHECK_MS` (default 5,000): how often workers look for dead workers' runs. */
  stalledCheckMs: number;
}

/** The process's role, its distributed settings and what a disconnect does to a run. */
export interface ModeConfig {
  /** `FERRITE_MODE=worker` (or the `worker` argument): run queued runs instead of serving HTTP. */
  mode: 'server' | 'worker';
  /** Set with `REDIS_URL`. */
  distributed: DistributedConfig | undefined;
  /** `RUNS_ON_DISCONNECT` (`cancel`, the default, or `continue`): what a client leaving does to its run. */
  runsOnDisconnect: 'cancel' | 'continue';
}

/** Reads the mode and the distributed settings; queued runs need the shared PostgreSQL store. */
export function readModeConfig(
  value: (name: string) => string | undefined,
  integer: (name: string, fallback: number) => number,
  hasDatabase: boolean,
): ModeConfig {
  const mode = value('FERRITE_MODE') ?? 'server';
  if (mode !== 'server' && mode !== 'worker') {
    throw new InvalidArgumentError(`FERRITE_MODE must be server or worker, got '${mode}'`);
  }
  const onDisconnect = value('RUNS_ON_DISCONNECT') ?? 'cancel';
  if (onDisconnect !== 'cancel' && onDisconnect !== 'continue') {
    throw new InvalidArgumentError(
      `RUNS_ON_DISCONNECT must be cancel or continue, got '${onDisconnect}'`,
    );
  }
  const redisUrl = value('REDIS_URL');
  if (redisUrl === undefined) {
    if (mode === 'worker') throw new InvalidArgumentError('worker mode needs REDIS_URL');
    return { mode, distributed: undefined, runsOnDisconnect: onDisconnect };
  }
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new InvalidArgumentError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  if (!hasDatabase) {
    // Workers and server nodes must see one session store.
    throw new InvalidArgumentError(
      'REDIS_URL (queued runs) needs DATABASE_URL: workers share its sessions',
    );
  }
  const lockMs = integer('WORKER_LOCK_MS', 10_000);
  const stalledMs = integer('WORKER_STALLED_CHECK_MS', 5_000);
  const concurrency = integer('WORKER_CONCURRENCY', 8);
  if (lockMs < 100 || stalledMs < 50 || concurrency < 1) {
    throw new InvalidArgumentError(
      'WORKER_LOCK_MS must be at least 100, WORKER_STALLED_CHECK_MS at least 50, WORKER_CONCURRENCY at least 1',
    );
  }
  return {
    mode,
    runsOnDisconnect: onDisconnect,
    distributed: {
      redisUrl,
      keyPrefix: value('REDIS_KEY_PREFIX') ?? 'ferrite:',
      workerConcurrency: concurrency,
      workerLockMs: lockMs,
      stalledCheckMs: stalledMs,
    },
  };
}

/** A one-line description of the mode, without secrets. */
export function describeMode(config: ModeConfig): string {
  if (config.distributed === undefined)
    return `runs: in process (on disconnect: ${config.runsOnDisconnect})`;
  const role =
    config.mode === 'worker'
      ? `worker (concurrency ${config.distributed.workerConcurrency})`
      : 'queued on Redis';
  return `runs: ${role} (on disconnect: ${config.runsOnDisconnect})`;
}
