import { NEVER, Observable, concatMap, defer, noop, type Subscription } from 'rxjs';
import {
  ShapeKeeper,
  InvalidArgumentError,
  assertNoFunctionCalls,
  type PendingRequest,
  type Part,
  isLogger,
  noopLogger,
  toStorableJson,
  resolveRunConfig,
  toFerriteError,
  validateContent,
  validateName,
  withoutTempKeys,
  type Agent,
  type ArtifactService,
  type Content,
  type Event,
  type MemoryService,
  type Plugin,
  type ResolvedRunConfig,
  type RunConfig,
  type RunnerConfig,
  type SessionLockKey,
  type SessionLockLease,
  type AcquireSessionLockOptions,
  type SessionRunLock,
  type SessionService,
} from '@ferrite/core';
import { InProcessSessionLock } from '../concurrency/in-process-session-lock.js';
import { toAsyncIterable } from '../consume/to-async-iterable.js';
import { Invocation } from '../invocation/invocation.js';
import {
  pendingInbox,
  sessionPendingRequests,
  type PendingInbox,
  type PendingInboxOptions,
} from '../pending/pending-queries.js';
import type { RunRequest, RunnerParts } from '../invocation/run-request.js';
import { AgentTree } from './agent-tree.js';
import type { Context } from '@opentelemetry/api';
import {
  activeTraceContext,
  parentContextOf,
  type TraceCarrier,
} from '../telemetry/trace-context.js';

/** Options of {@link Runner.run}. */
export interface RunOptions {
  /** State written with the user's message (stored in the user event's `stateDelta`). */
  stateDelta?: Record<string, unknown>;
  /** Overrides the Runner's run config, per key. */
  runConfig?: RunConfig;
  /**
   * The trace the run's spans continue (from `injectTraceContext()` on the side that queued or
   * requested the run); default: the OpenTelemetry context active when `run` is called.
   */
  traceContext?: TraceCarrier;
  /**
   * The invocation's id, chosen by the caller (a queue or a server that must name the run before
   * it starts); default a fresh UUID. A resumed paused invocation keeps its own id.
   */
  invocationId?: string;
}

/** Options of {@link Runner.runLive}. */
export interface RunLiveOptions {
  /** Overrides the Runner's run config for every turn; `streamingMode` defaults to `'bidi'`. */
  runConfig?: RunConfig;
}

/**
 * True for a plain object holding `role` and `parts` alone, whose parts are plain objects
 * holding a string `text` alone: JSON holds it as it is (anything else is written out to check).
 */
function isPlainText(content: Content): boolean {
  if (Object.getPrototypeOf(content) !== Object.prototype || 'toJSON' in content) return false;
  for (const key in content) if (key !== 'role' && key !== 'parts') return false;
  const parts: unknown = content.parts;
  if (typeof content.role !== 'string' || !Array.isArray(parts)) return false;
  if (Object.getPrototypeOf(parts) !== Array.prototype) return false;
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index] as Record<string, unknown>;
    if (typeof part !== 'object' || part === null) return false;
    if (Object.getPrototypeOf(part) !== Object.prototype) return false;
    for (const key in part) if (key !== 'text') return false;
    if (typeof part.text !== 'string') return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const GRANTED: Promise<void> = Promise.resolve();

// A run's subscription lets go of its observer when it ends, so between runs nothing would hold
// the shapes of RxJS's subscriber classes (see ShapeKeeper in @ferrite/core): one subscription
// that never ends does.
const subscriptionShape = new ShapeKeeper<Subscription>();
subscriptionShape.keep(NEVER.subscribe({ next: noop, error: noop, complete: noop }));
/** The newest run's Observable. */
const runShape = new ShapeKeeper<Observable<Event>>();

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>).then === 'function';
}

function sessionLockOf(lock: SessionRunLock | undefined): SessionRunLock {
  if (lock === undefined) return new InProcessSessionLock();
  const candidate = lock as Partial<SessionRunLock>;
  if (
    typeof candidate.acquire !== 'function' ||
    typeof candidate.interrupt !== 'function' ||
    typeof candidate.isBusy !== 'function'
  ) {
    throw new InvalidArgumentError('RunnerConfig.sessionLock must be a SessionRunLock');
  }
  return lock;
}

const acquireOptionsShape = new ShapeKeeper<AcquireOptions>();

/**
 * How a run asks for its session. Cancelling a run that waits in line aborts its signal, which
 * takes it out of line; the lock reads the signal only when the run has to wait, so an
 * uncontended run never makes one. (A class: a literal with a getter costs an accessor per run.)
 */
class AcquireOptions implements AcquireSessionLockOptions {
  readonly mode: AcquireSessionLockOptions['mode'];
  readonly holder: Invocation;

  constructor(mode: AcquireSessionLockOptions['mode'], holder: Invocation) {
    this.mode = mode;
    this.holder = holder;
    acquireOptionsShape.keep(this);
  }

  get signal(): AbortSignal {
    return this.holder.signal;
  }
}

/**
 * Runs agents in sessions: each `run` loads the session, picks the agent, stores the user's
 * message and every event the agents produce, and streams those events to the caller.
 *
 * @example
 * ```ts
 * const runner = new Runner({ appName: 'shop', agent, sessionService: new InMemorySessionService() });
 * runner.run('user-1', 'session-1', userContent('Where is my order?')).subscribe((event) => {
 *   console.log(event.author, textOf(event.content));
 * });
 * ```
 */
export class Runner {
  /** The application name sessions and artifacts are stored under. */
  readonly appName: string;
  /** The root of the agent tree. */
  readonly agent: Agent;
  /** Where sessions and their events are stored. */
  readonly sessionService: SessionService;
  /** Where artifacts are stored; undefined when the runner has none. */
  readonly artifactService: ArtifactService | undefined;
  /** What memories are searched in; undefined when the runner has none. */
  readonly memoryService: MemoryService | undefined;
  /** The Runner's run config with defaults filled; `run` options override it per key. */
  readonly runConfig: ResolvedRunConfig;
  /** The plugins, in the order they are called. */
  readonly plugins: readonly Plugin[];
  readonly #parts: RunnerParts;
  readonly #locks: SessionRunLock;

  constructor(config: RunnerConfig) {
    if (!isPlainObject(config)) throw new InvalidArgumentError('Runner needs a RunnerConfig');
    this.appName = validateName('appName', config.appName);
    const service = config.sessionService as Partial<SessionService> | undefined;
    if (typeof service?.getSession !== 'function' || typeof service.appendEvent !== 'function') {
      throw new InvalidArgumentError('RunnerConfig.sessionService must be a SessionService');
    }
    const tree = new AgentTree(config.agent);
    const plugins = config.plugins ?? [];
    if (!Array.isArray(plugins))
      throw new InvalidArgumentError('RunnerConfig.plugins must be an array');
    plugins.forEach((plugin: unknown, index) => {
      if (typeof plugin !== 'object' || plugin === null) {
        throw new InvalidArgumentError(`RunnerConfig.plugins[${index}] is not a plugin`);
      }
    });
    if (config.logger !== undefined && !isLogger(config.logger)) {
      throw new InvalidArgumentError('RunnerConfig.logger must be a Logger');
    }
    this.agent = config.agent;
    this.sessionService = config.sessionService;
    this.artifactService = config.artifactService;
    this.memoryService = config.memoryService;
    this.runConfig = resolveRunConfig(config.runConfig);
    this.plugins = Object.freeze([...plugins]);
    this.#locks = sessionLockOf(config.sessionLock);
    this.#parts = Object.freeze({
      appName: this.appName,
      tree,
      sessionService: this.sessionService,
      artifactService: this.artifactService,
      memoryService: this.memoryService,
      plugins: this.plugins,
      logger: config.logger ?? noopLogger,
    });
  }

  /**
   * Runs one invocation for `newMessage`. The Observable is cold: each subscription is one
   * invocation; unsubscribing cancels it. Errors arrive as `FerriteError`s on the stream;
   * this method itself never throws.
   */
  run(
    userId: string,
    sessionId: string,
    newMessage: Content,
    options: RunOptions = {},
  ): Observable<Event> {
    // Taken now: the Observable may be subscribed later, outside the caller's span.
    const caller = activeTraceContext();
    const run = new Observable<Event>((subscriber) => {
      let request: RunRequest;
      try {
        request = this.#prepare(userId, sessionId, newMessage, options, caller);
      } catch (error) {
        subscriber.error(toFerriteError(error));
        return undefined;
      }
      const invocation = new Invocation(this.#parts, request, subscriber);
      const key = { appName: this.appName, userId: request.userId, sessionId: request.sessionId };
      let acquired: SessionLockLease | Promise<SessionLockLease>;
      try {
        acquired = this.#locks.acquire(
          key,
          new AcquireOptions(request.runConfig.concurrency, invocation),
        );
      } catch (error) {
        subscriber.error(toFerriteError(error));
        return undefined;
      }
      if (isPromiseLike(acquired)) {
        acquired.then(
          (lease) => {
            if (invocation.stopped) void lease.release();
            else void invocation.execute(lease);
          },
          (error: unknown) => {
            if (!invocation.stopped) subscriber.error(toFerriteError(error));
          },
        );
      } else {
        // Granted at once (uncontended in-process lock): no promise and no listener on the way.
        const lease = acquired;
        void GRANTED.then(() => (invocation.stopped ? lease.release() : invocation.execute(lease)));
      }
      return () => invocation.cancel();
    });
    runShape.keep(run);
    return run;
  }

  /**
   * {@link Runner.run} as an AsyncIterable for callers without RxJS; breaking out of the
   * `for await` loop cancels the run, and the run's error is thrown from the loop.
   */
  runAsync(
    userId: string,
    sessionId: string,
    newMessage: Content,
    options: RunOptions = {},
  ): AsyncIterable<Event> {
    return toAsyncIterable(this.run(userId, sessionId, newMessage, options));
  }

  /**
   * Live (`'bidi'`) mode: every Content from `input$` is a turn on the same session, run in
   * order after the previous one ends; one Observable carries the events of all turns and
   * completes when `input$` has completed and the last turn ended.
   */
  runLive(
    userId: string,
    sessionId: string,
    input$: Observable<Content>,
    options: RunLiveOptions = {},
  ): Observable<Event> {
    const runConfig: RunConfig = { streamingMode: 'bidi', ...options.runConfig };
    return defer(() =>
      input$.pipe(concatMap((message) => this.run(userId, sessionId, message, { runConfig }))),
    );
  }

  /**
   * What the session's paused invocation waits for (confirmations and long-running calls), read
   * from its stored events; empty when it waits for nothing. SessionNotFoundError when missing.
   */
  pendingRequests(userId: string, sessionId: string): Promise<PendingRequest[]> {
    return sessionPendingRequests(this.sessionService, this.appName, userId, sessionId);
  }

  /** A page of the user's sessions that wait for an answer, with their requests (an inbox). */
  pendingInbox(userId: string, options?: PendingInboxOptions): Promise<PendingInbox> {
    return pendingInbox(this.sessionService, this.appName, userId, options);
  }

  /**
   * Answers pending requests and resumes the paused invocation: `run` with a user message made of
   * the answers (`functionResponse` parts: `adk_request_confirmation` with `{ confirmed, payload? }`,
   * or a long-running call's name with its result).
   */
  resume(
    userId: string,
    sessionId: string,
    answers: Part | readonly Part[],
    options: RunOptions = {},
  ): Observable<Event> {
    const parts = Array.isArray(answers) ? [...(answers as readonly Part[])] : [answers as Part];
    return this.run(userId, sessionId, { role: 'user', parts }, options);
  }

  /**
   * Stops the run currently holding the session, on this node or, with a shared `sessionLock`,
   * on any node (runs queued behind it then proceed). The interrupted run's stream completes
   * normally; events it stored stay. Resolves false when none runs.
   */
  async interrupt(userId: string, sessionId: string): Promise<boolean> {
    return this.#locks.interrupt(this.#key(userId, sessionId));
  }

  /**
   * True while a run of this Runner holds or waits for the session (from its subscription until
   * it ends).
   */
  isRunning(userId: string, sessionId: string): boolean {
    return this.#locks.isBusy(this.#key(userId, sessionId));
  }

  #key(userId: string, sessionId: string): SessionLockKey {
    return {
      appName: this.appName,
      userId: validateName('userId', userId),
      sessionId: validateName('sessionId', sessionId),
    };
  }

  #prepare(
    userId: string,
    sessionId: string,
    newMessage: Content,
    options: RunOptions,
    caller: Context,
  ): RunRequest {
    validateName('userId', userId);
    validateName('sessionId', sessionId);
    const message = validateContent(newMessage, 'newMessage');
    // Refused before anything is written, so no empty session is left behind. A message of plain
    // text parts (nearly every one) is storable as it is: its JSON is not written to find out.
    if (!isPlainText(message)) toStorableJson(message, 'newMessage');
    assertNoFunctionCalls(message);
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('run options must be an object');
    }
    if (options.stateDelta !== undefined) {
      if (!isPlainObject(options.stateDelta)) {
        throw new InvalidArgumentError('options.stateDelta must be an object');
      }
      // temp: values are never stored, so they may hold anything.
      toStorableJson(withoutTempKeys(options.stateDelta), 'options.stateDelta');
    }
    return {
      userId,
      sessionId,
      message,
      stateDelta: options.stateDelta,
      invocationId:
        options.invocationId === undefined
          ? undefined
          : validateName('invocationId', options.invocationId),
      parentContext: parentContextOf(options.traceContext, caller),
      runConfig:
        options.runConfig === undefined
          ? this.runConfig
          : resolveRunConfig(this.runConfig, options.runConfig),
    };
  }
}
