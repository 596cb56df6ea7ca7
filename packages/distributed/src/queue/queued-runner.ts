import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { Observable, type Subscription } from 'rxjs';
import {
  InternalError,
  InvalidArgumentError,
  RunNotFoundError,
  toFerriteError,
  toStorableJson,
  validateContent,
  validateName,
  withoutTempKeys,
  type Agent,
  type ArtifactService,
  type Content,
  type Event,
  type RunConfig,
  type SessionRunLock,
  type SessionService,
} from '@ferrite/core';
import { injectTraceContext, type TraceCarrier } from '@ferrite/runner';
import {
  bullConnection,
  commandClient,
  redisFailure,
  redisOptionsOf,
} from '../stream/redis-connection.js';
import { errorOfEnd, type RunMeta } from '../stream/run-stream-entry.js';
import { RunStreams } from '../stream/run-streams.js';
import { RUN_JOB, type RunJobData } from './run-job.js';
import { resolveQueueSettings, type QueueSettings } from './queue-settings.js';

/** Settings of {@link QueuedRunner}. */
export interface QueuedRunnerConfig extends QueueSettings {
  /** The app; workers run its jobs with their Runner of the same `appName`. */
  appName: string;
  /** The root agent, for the Dev UI's graph (the worker runs its own copy). */
  agent?: Agent;
  /** The sessions the workers write (the same store), read by the server's session routes. */
  sessionService: SessionService;
  /** The artifacts the workers write, read by the server's artifact routes. */
  artifactService?: ArtifactService;
  /** The session lock the workers share: `interrupt` goes through it. */
  sessionLock?: SessionRunLock;
  /** Run config sent with every job (the worker's Runner config is the base; `run` overrides per key). */
  runConfig?: RunConfig;
}

/** Options of {@link QueuedRunner.run}. */
export interface QueuedRunOptions {
  /** State written with the user's message. */
  stateDelta?: Record<string, unknown>;
  /** Overrides the run config per key. */
  runConfig?: RunConfig;
  /** The trace the worker's spans continue; default the context active at subscription. */
  traceContext?: TraceCarrier;
  /** The invocation's id (no `:`); default a fresh UUID. */
  invocationId?: string;
  /** When true, unsubscribing leaves the run going on its worker (attach to it by id later). */
  detached?: boolean;
}

/** Options of {@link QueuedRunner.attach}. */
export interface AttachOptions {
  /** Resume after this (stored) event id, as SSE's `Last-Event-ID`; default from the start. */
  after?: string;
}

/**
 * A Runner front that runs nothing itself: `run` puts the request on a BullMQ queue, a
 * {@link RunWorker} on any machine runs it, and the returned Observable replays the run's Redis
 * stream (every event, partials included) until its end. Same `run` contract as `Runner`, so the
 * HTTP server and user code do not change; unsubscribing cancels the run on its worker unless
 * `detached`. Any node can `attach` to a live or recently finished run by its invocation id.
 *
 * @example
 * ```ts
 * const runner = new QueuedRunner({ appName: 'shop', sessionService, redis: process.env.REDIS_URL! });
 * serve({ handler: createHandler({ apps: runner }), port: 8080 });
 * ```
 */
export class QueuedRunner {
  /** The app whose runs this front queues. */
  readonly appName: string;
  /** The root agent, when given (the Dev UI draws it). */
  readonly agent: Agent | undefined;
  /** The shared session store. */
  readonly sessionService: SessionService;
  /** The shared artifact store, when given. */
  readonly artifactService: ArtifactService | undefined;
  /** The run config sent with each job. */
  readonly runConfig: Readonly<RunConfig>;
  readonly #client: Redis;
  readonly #queue: Queue;
  readonly #streams: RunStreams;
  readonly #lock: SessionRunLock | undefined;
  #closed = false;

  constructor(config: QueuedRunnerConfig) {
    if (typeof config !== 'object' || config === null) {
      throw new InvalidArgumentError('QueuedRunner needs a QueuedRunnerConfig');
    }
    this.appName = validateName('appName', config.appName);
    if (typeof config.sessionService?.getSession !== 'function') {
      throw new InvalidArgumentError('QueuedRunnerConfig.sessionService must be a SessionService');
    }
    const settings = resolveQueueSettings(config);
    this.agent = config.agent;
    this.sessionService = config.sessionService;
    this.artifactService = config.artifactService;
    this.runConfig = Object.freeze({ ...config.runConfig });
    this.#lock = config.sessionLock;
    const options = redisOptionsOf(config.redis);
    this.#client = commandClient(options);
    this.#queue = new Queue(settings.queueName, {
      connection: bullConnection(options, 2),
      prefix: settings.bullPrefix,
    });
    this.#queue.on('error', () => {});
    this.#streams = new RunStreams({ client: this.#client, ...settings.stream });
  }

  /**
   * Queues one invocation when subscribed and streams its events as the worker emits them.
   * Errors arrive as `FerriteError`s: the run's own, `run.worker_lost` (503) when its worker died
   * or the queue lost it (never re-run), or `unavailable` (503) when Redis cannot be reached.
   */
  run(
    userId: string,
    sessionId: string,
    newMessage: Content,
    options: QueuedRunOptions = {},
  ): Observable<Event> {
    return new Observable<Event>((subscriber) => {
      let job: RunJobData;
      try {
        job = this.#job(userId, sessionId, newMessage, options);
      } catch (error) {
        subscriber.error(toFerriteError(error));
        return undefined;
      }
      const id = job.invocationId;
      const detached = options.detached === true;
      let reading: Subscription | undefined;
      let ended = false;
      let torn = false;
      const cancel = (): void => {
        if (!detached) this.#streams.cancel(id).catch(() => undefined);
      };
      this.#enqueue(job).then(
        () => {
          if (torn) return cancel();
          reading = this.#follow(id, undefined).subscribe({
            next: (event) => subscriber.next(event),
            error: (error: unknown) => {
              ended = true;
              subscriber.error(error);
            },
            complete: () => {
              ended = true;
              subscriber.complete();
            },
          });
        },
        (error: unknown) => {
          if (!torn) subscriber.error(toFerriteError(error));
        },
      );
      return () => {
        torn = true;
        reading?.unsubscribe();
        if (reading !== undefined && !ended) cancel();
      };
    });
  }

  /**
   * The events of a live or recently finished run of this session, from the start or after the
   * stored event `options.after`, live until the run ends. `run.not_found` when no such run is
   * known; unsubscribing never cancels the run.
   */
  attach(
    userId: string,
    sessionId: string,
    invocationId: string,
    options: AttachOptions = {},
  ): Observable<Event> {
    return new Observable<Event>((subscriber) => {
      let reading: Subscription | undefined;
      let torn = false;
      this.#locate(userId, sessionId, invocationId, options.after).then(
        (position) => {
          if (torn) return;
          reading = this.#follow(invocationId, position).subscribe(subscriber);
        },
        (error: unknown) => {
          if (!torn) subscriber.error(toFerriteError(error));
        },
      );
      return () => {
        torn = true;
        reading?.unsubscribe();
      };
    });
  }

  /** Interrupts the session's running invocation on whichever worker holds it (needs `sessionLock`). */
  async interrupt(userId: string, sessionId: string): Promise<boolean> {
    if (this.#lock === undefined) {
      throw new InvalidArgumentError(
        'QueuedRunner.interrupt needs the sessionLock its workers share',
      );
    }
    return this.#lock.interrupt({
      appName: this.appName,
      userId: validateName('userId', userId),
      sessionId: validateName('sessionId', sessionId),
    });
  }

  /** Closes the queue and the Redis connections (runs on workers go on). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#streams.close();
    await this.#queue.close().catch(() => undefined);
    this.#client.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #job(userId: string, sessionId: string, message: Content, options: QueuedRunOptions): RunJobData {
    if (this.#closed) throw new InternalError('QueuedRunner is closed');
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('run options must be an object');
    }
    validateName('userId', userId);
    validateName('sessionId', sessionId);
    toStorableJson(validateContent(message, 'newMessage'), 'newMessage');
    const invocationId = validateName('invocationId', options.invocationId ?? randomUUID());
    if (invocationId.includes(':')) {
      throw new InvalidArgumentError('a queued run\'s invocationId cannot contain ":"');
    }
    if (options.stateDelta !== undefined) {
      toStorableJson(withoutTempKeys(options.stateDelta), 'options.stateDelta');
    }
    const runConfig = { ...this.runConfig, ...options.runConfig };
    toStorableJson(runConfig, 'options.runConfig');
    return {
      v: 1,
      invocationId,
      appName: this.appName,
      userId,
      sessionId,
      message,
      ...(options.stateDelta !== undefined ? { stateDelta: options.stateDelta } : {}),
      ...(Object.keys(runConfig).length > 0 ? { runConfig } : {}),
      traceContext: options.traceContext ?? injectTraceContext(),
    };
  }

  async #enqueue(job: RunJobData): Promise<void> {
    const meta: RunMeta = { appName: job.appName, userId: job.userId, sessionId: job.sessionId };
    const opened = await this.#streams
      .open(job.invocationId, meta)
      .catch((error: unknown) =>
        Promise.reject(redisFailure('the run could not be queued', error)),
      );
    if (!opened) {
      throw new InvalidArgumentError(`a run with invocationId ${job.invocationId} exists`);
    }
    try {
      // One attempt and no stalled retry (the worker's maxStalledCount is 0): at most once.
      await this.#queue.add(RUN_JOB, job, {
        jobId: job.invocationId,
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: true,
      });
    } catch (error) {
      const failure = redisFailure('the run could not be queued', error);
      await this.#streams
        .finish(job.invocationId, { type: 'error', code: failure.code, message: failure.message })
        .catch(() => undefined);
      throw failure;
    }
  }

  async #locate(
    userId: string,
    sessionId: string,
    invocationId: string,
    after: string | undefined,
  ): Promise<string | undefined> {
    validateName('userId', userId);
    validateName('sessionId', sessionId);
    validateName('invocationId', invocationId);
    const meta = await this.#streams
      .meta(invocationId)
      .catch((error: unknown) => Promise.reject(redisFailure('the run cannot be found', error)));
    if (
      meta === undefined ||
      meta.appName !== this.appName ||
      meta.userId !== userId ||
      meta.sessionId !== sessionId
    ) {
      throw new RunNotFoundError(`no run ${invocationId} in session ${sessionId}`);
    }
    if (after === undefined) return undefined;
    const search = await this.#streams
      .findEvent(invocationId, validateName('after', after))
      .catch((error: unknown) => Promise.reject(redisFailure('the run cannot be found', error)));
    if (search.kind === 'lost') {
      // Redis lost the run after its meta was read (it restarted empty): its history is gone.
      throw new RunNotFoundError(
        `no run ${invocationId} in session ${sessionId}: Redis no longer knows it`,
      );
    }
    if (search.kind === 'absent') {
      throw new InvalidArgumentError(`event ${after} is not in the stream of run ${invocationId}`);
    }
    return search.id;
  }

  /** The run's stream as events; ends it with `run.worker_lost` when its job is gone. */
  #follow(invocationId: string, after: string | undefined): Observable<Event> {
    let unknownBefore = false;
    const onIdle = async (): Promise<void> => {
      const state = await this.#queue.getJobState(invocationId);
      // A job that is gone twice in a row (a blocking read apart) will never end its stream: the
      // first sighting may be the instant between the stream's creation and the job's.
      const lost = state === 'failed' || (state === 'unknown' && unknownBefore);
      unknownBefore = state === 'unknown';
      if (!lost) return;
      await this.#streams.finish(invocationId, {
        type: 'error',
        code: 'run.worker_lost',
        message:
          state === 'failed'
            ? `the worker running ${invocationId} was lost; the turn is not run again`
            : `the queue lost run ${invocationId} (its job is gone); the turn is not run again`,
      });
    };
    return new Observable<Event>((subscriber) =>
      this.#streams.read(invocationId, { ...(after ? { after } : {}), onIdle }).subscribe({
        next: ({ entry }) => {
          if (entry.type === 'event') subscriber.next(entry.event);
          else if (entry.type === 'error') subscriber.error(errorOfEnd(entry));
          else subscriber.complete();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
  }
}
