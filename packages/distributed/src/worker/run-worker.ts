import type { Redis } from 'ioredis';
import { QueueEvents, Worker, type Job } from 'bullmq';
import type { Observable } from 'rxjs';
import {
  InvalidArgumentError,
  abortableDelay,
  toFerriteError,
  validateName,
  type Content,
  type Event,
  type RunConfig,
} from '@ferrite/core';
import { parseRunJob, RUN_JOB } from '../queue/run-job.js';
import { resolveQueueSettings, type QueueSettings } from '../queue/queue-settings.js';
import { bullConnection, commandClient, redisOptionsOf } from '../stream/redis-connection.js';
import { endOfError, type RunEnd } from '../stream/run-stream-entry.js';
import { RunStreams } from '../stream/run-streams.js';
import { ActiveRun } from './active-run.js';

/** What a worker needs of a Runner (`@ferrite/runner`'s fits): its app and `run`. */
export interface WorkerRunner {
  readonly appName: string;
  run(
    userId: string,
    sessionId: string,
    message: Content,
    options: {
      stateDelta?: Record<string, unknown>;
      runConfig?: RunConfig;
      traceContext?: Record<string, string>;
      invocationId?: string;
    },
  ): Observable<Event>;
}

/** Settings of {@link RunWorker}. */
export interface RunWorkerConfig extends QueueSettings {
  /** The Runners of the apps this worker serves (on the shared stores and session lock). */
  runners: WorkerRunner | readonly WorkerRunner[];
  /** Runs executed at once. Default 8. */
  concurrency?: number;
  /**
   * How long the worker's claim on a job outlives its last renewal (renewed every half). A worker
   * that dies fails its run with `run.worker_lost` after at most this plus `stalledIntervalMs`.
   * Default 10,000.
   */
  lockDurationMs?: number;
  /** How often the worker looks for jobs whose worker died. Default 5,000. */
  stalledIntervalMs?: number;
  /** Stream writes in flight per run past which partial events are dropped. Default 1,000. */
  maxPendingWrites?: number;
}

const STALLED = 'stalled';

/**
 * Takes queued runs off the BullMQ queue and runs them with the app's local Runner, relaying
 * every event to the run's Redis stream and ending it with one terminal entry. Turns run at most
 * once: jobs have one attempt and a stalled job (its worker died) is failed, never retried, and
 * its stream ends with `run.worker_lost`. A cancel from the requester aborts the run here.
 *
 * @example
 * ```ts
 * const worker = new RunWorker({ runners: [runner], redis: process.env.REDIS_URL! });
 * process.on('SIGTERM', () => void worker.close({ graceMs: 10_000 }));
 * ```
 */
export class RunWorker {
  readonly #runners: ReadonlyMap<string, WorkerRunner>;
  readonly #client: Redis;
  readonly #control: Redis;
  readonly #streams: RunStreams;
  readonly #worker: Worker;
  readonly #events: QueueEvents;
  readonly #active = new Map<string, ActiveRun>();
  readonly #maxPendingWrites: number;
  #closing: Promise<void> | undefined;

  constructor(config: RunWorkerConfig) {
    if (typeof config !== 'object' || config === null) {
      throw new InvalidArgumentError('RunWorker needs a RunWorkerConfig');
    }
    const settings = resolveQueueSettings(config);
    this.#runners = runnersOf(config.runners);
    const concurrency = integer(config.concurrency, 8, 'concurrency');
    const lockDuration = integer(config.lockDurationMs, 10_000, 'lockDurationMs');
    const stalledInterval = integer(config.stalledIntervalMs, 5_000, 'stalledIntervalMs');
    this.#maxPendingWrites = integer(config.maxPendingWrites, 1_000, 'maxPendingWrites');
    const options = redisOptionsOf(config.redis);
    this.#client = commandClient(options);
    this.#streams = new RunStreams({ client: this.#client, ...settings.stream });

    this.#control = commandClient({ ...options, maxRetriesPerRequest: null });
    this.#control.on('message', (_channel: string, message: string) => this.#onControl(message));
    this.#control.subscribe(this.#streams.controlChannel).catch(() => undefined);

    const connection = bullConnection(options, null);
    this.#worker = new Worker(
      settings.queueName,
      (job: Job, token?: string) => this.#process(job, token),
      {
        connection,
        prefix: settings.bullPrefix,
        concurrency,
        lockDuration,
        stalledInterval,
        // At most once: a job whose worker stopped renewing its lock is failed, not run again.
        maxStalledCount: 0,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
      },
    );
    this.#worker.on('error', () => {});
    // The claim was lost (Redis restarted, or this process stalled past the lock): the queue no
    // longer counts this run as ours, so it ends here rather than run on unobserved.
    this.#worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) {
        this.#active.get(id)?.end({
          type: 'error',
          code: 'run.worker_lost',
          message: `the worker lost its claim on run ${id}; the turn is not run again`,
        });
      }
    });
    this.#events = new QueueEvents(settings.queueName, {
      connection,
      prefix: settings.bullPrefix,
    });
    this.#events.on('error', () => {});
    this.#events.on('failed', ({ jobId, failedReason }) => {
      if (failedReason.includes(STALLED)) this.#lost(jobId);
    });
  }

  /** Runs executing on this worker now. */
  get activeRuns(): number {
    return this.#active.size;
  }

  /** Resolves once the worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await Promise.all([this.#worker.waitUntilReady(), this.#events.waitUntilReady()]);
  }

  /**
   * Stops taking jobs, lets the running ones finish for up to `graceMs` (default 10,000), then
   * cancels the rest: their streams end with `unavailable` (503). Closes the connections.
   */
  close(options: { graceMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.graceMs ?? 10_000);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #close(graceMs: number): Promise<void> {
    const closed = this.#worker.close();
    if (this.#active.size > 0) {
      const timer = new AbortController();
      await Promise.race([
        closed,
        abortableDelay(graceMs, timer.signal, { unref: true }).catch(() => undefined),
      ]);
      timer.abort();
      for (const run of [...this.#active.values()]) {
        run.end({
          type: 'error',
          code: 'unavailable',
          message: 'the worker is shutting down; the run was cancelled',
        });
      }
    }
    await closed.catch(() => undefined);
    await this.#events.close().catch(() => undefined);
    this.#control.disconnect();
    this.#streams.close();
    await this.#client.quit().catch(() => this.#client.disconnect());
  }

  #onControl(message: string): void {
    if (!message.startsWith('cancel:')) return;
    this.#active.get(message.slice('cancel:'.length))?.end({ type: 'end', outcome: 'cancelled' });
  }

  /** The job's worker died (the stall check failed it): its run ends `run.worker_lost`. */
  #lost(jobId: string): void {
    const end: RunEnd = {
      type: 'error',
      code: 'run.worker_lost',
      message: `the worker running ${jobId} was lost; the turn is not run again`,
    };
    const local = this.#active.get(jobId);
    if (local !== undefined) local.end(end);
    else this.#streams.finish(jobId, end).catch(() => undefined);
  }

  async #process(job: Job, _token?: string): Promise<void> {
    const id = String(job.id);
    if (job.name !== RUN_JOB) return;
    let request;
    try {
      request = parseRunJob(job.data);
    } catch (error) {
      await this.#streams.finish(id, endOfError(toFerriteError(error))).catch(() => undefined);
      return;
    }
    const runner = this.#runners.get(request.appName);
    if (runner === undefined) {
      await this.#streams
        .finish(id, {
          type: 'error',
          code: 'app.not_found',
          message: `this worker serves no app ${JSON.stringify(request.appName)}`,
        })
        .catch(() => undefined);
      return;
    }
    if (await this.#streams.isCancelled(id)) {
      await this.#streams.finish(id, { type: 'end', outcome: 'cancelled' });
      return;
    }
    await new Promise<void>((resolve) => {
      const run = new ActiveRun(id, this.#streams, this.#maxPendingWrites, () => {
        this.#active.delete(id);
        resolve();
      });
      this.#active.set(id, run);
      run.start(
        runner.run(request.userId, request.sessionId, request.message, {
          ...(request.stateDelta ? { stateDelta: request.stateDelta } : {}),
          ...(request.runConfig ? { runConfig: request.runConfig } : {}),
          ...(request.traceContext ? { traceContext: request.traceContext } : {}),
          invocationId: request.invocationId,
        }),
      );
    });
  }
}

function runnersOf(runners: RunWorkerConfig['runners']): ReadonlyMap<string, WorkerRunner> {
  const list: readonly WorkerRunner[] = Array.isArray(runners)
    ? (runners as readonly WorkerRunner[])
    : [runners as WorkerRunner];
  const map = new Map<string, WorkerRunner>();
  for (const runner of list) {
    if (typeof runner?.run !== 'function') {
      throw new InvalidArgumentError('RunWorkerConfig.runners must hold Runners');
    }
    const appName = validateName('appName', runner.appName);
    if (map.has(appName)) throw new InvalidArgumentError(`two Runners serve app ${appName}`);
    map.set(appName, runner);
  }
  if (map.size === 0) throw new InvalidArgumentError('RunWorkerConfig.runners is empty');
  return map;
}

function integer(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`RunWorkerConfig.${field} must be a positive integer`);
  }
  return value;
}
