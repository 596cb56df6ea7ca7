import type { Agent, SessionRunLock } from '@ferrite/core';
import type { QueuedRunner, RunWorker } from '@ferrite/distributed';
import type { Runner } from '@ferrite/runner';
import type { ServerConfig } from './config.js';
import type { ServerServices } from './services.js';

/**
 * The session lock every node and worker shares (PostgreSQL advisory locks on the session
 * store's database, one namespace per schema), so `'queue'`/`'reject'` hold across processes and
 * a dead worker's sessions are freed with its connections.
 */
export async function sharedSessionLock(config: ServerConfig): Promise<SessionRunLock> {
  const { PostgresSessionLock } = await import('@ferrite/session/postgres');
  return new PostgresSessionLock({
    connectionString: config.database!.connectionString,
    namespace: config.database!.schema ?? 'ferrite',
    maxConnections: (config.distributed?.workerConcurrency ?? 8) + 2,
    applicationName: `ferrite-${config.mode}-${config.database!.schema ?? 'ferrite'}`.slice(0, 63),
  });
}

/** The server's runner in queued mode: runs go to the workers through Redis. */
export async function queuedRunner(
  config: ServerConfig,
  services: ServerServices,
  agent: Agent,
  sessionLock: SessionRunLock,
): Promise<QueuedRunner> {
  const { QueuedRunner } = await import('@ferrite/distributed');
  const distributed = config.distributed!;
  return new QueuedRunner({
    appName: config.appName,
    agent,
    sessionService: services.sessionService,
    artifactService: services.artifactService,
    sessionLock,
    redis: distributed.redisUrl,
    keyPrefix: distributed.keyPrefix,
  });
}

/** Starts a worker that runs the queued runs with `runner`. */
async function startWorker(config: ServerConfig, runner: Runner): Promise<RunWorker> {
  const { RunWorker } = await import('@ferrite/distributed');
  const distributed = config.distributed!;
  const worker = new RunWorker({
    runners: [runner],
    redis: distributed.redisUrl,
    keyPrefix: distributed.keyPrefix,
    concurrency: distributed.workerConcurrency,
    lockDurationMs: distributed.workerLockMs,
    stalledIntervalMs: distributed.stalledCheckMs,
  });
  await worker.ready();
  return worker;
}

/**
 * Worker mode: takes queued runs until SIGTERM or SIGINT, then lets running ones finish within
 * `SHUTDOWN_GRACE_MS`, cancels the rest (`unavailable`), closes everything and exits.
 */
export async function runAsWorker(
  config: ServerConfig,
  runner: Runner,
  services: ServerServices,
  sessionLock: SessionRunLock,
  label: string,
): Promise<never> {
  const worker = await startWorker(config, runner);
  process.stdout.write(
    `ferrite worker ready (app: ${config.appName}; model: ${label}; concurrency ${config.distributed!.workerConcurrency})\n`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(
      `${signal}: stopping (${worker.activeRuns} run(s) in progress, grace ${config.shutdownGraceMs} ms)\n`,
    );
    void (async () => {
      await worker.close({ graceMs: config.shutdownGraceMs });
      await sessionLock.close?.();
      await services.close();
      process.stdout.write('stopped\n');
      process.exit(0);
    })().catch((error: unknown) => {
      process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return new Promise<never>(() => {});
}
