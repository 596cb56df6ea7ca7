/**
 * `@ferrite/distributed`: what lets several Ferrite processes serve one app. The Redis session
 * run lock; the PostgreSQL one lives in `@ferrite/session/postgres`.
 */
export { RedisSessionLock, type RedisSessionLockConfig } from './redis/redis-session-lock.js';
export {
  QueuedRunner,
  type QueuedRunnerConfig,
  type QueuedRunOptions,
  type AttachOptions,
} from './queue/queued-runner.js';
export type { QueueSettings, RunStreamSettings } from './queue/queue-settings.js';
export type { RunJobData } from './queue/run-job.js';
export { RunWorker, type RunWorkerConfig, type WorkerRunner } from './worker/run-worker.js';
export type { RedisConnection } from './stream/redis-connection.js';
