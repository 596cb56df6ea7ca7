import type { Subscriber } from 'rxjs';
import {
  ShapeKeeper,
  createEvent,
  newEventId,
  toFerriteError,
  type Event,
  type FerriteError,
  type SessionLockHolder,
  type SessionLockLease,
} from '@ferrite/core';
import { RunScope } from '../context/run-scope.js';
import { RunGuardrails } from '../guardrails/run-guardrails.js';
import { RunInvocationContext } from '../context/run-invocation-context.js';
import { selectAgent } from '../runner/agent-selection.js';
import { AgentLoop } from './agent-loop.js';
import { startTelemetry, type InvocationTelemetry } from '../telemetry/invocation-telemetry.js';
import { EventPipeline } from './event-pipeline.js';
import { Halted } from './halted.js';
import type { HaltControl } from './halt-control.js';
import { preloadMemories } from './invocation-setup.js';
import { loadRun } from '../pending/resume-plan.js';
import { runNestedAgent } from './nested-agent-run.js';
import { traceNestedRun } from '../telemetry/nested-agent-span.js';
import { runAfterRun, runBeforeRun, runOnUserMessage } from './plugin-hooks.js';
import { RunGuards } from './run-guards.js';
import { userEvent } from './user-event.js';
import type { RunRequest, RunnerParts } from './run-request.js';

type StopReason = 'cancel' | 'interrupt' | FerriteError;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

const invocationShape = new ShapeKeeper<Invocation>();

/**
 * One invocation (one subscription of `run`): loads the session, selects the agent, stores
 * the user event, runs the agents and settles the stream. Cancellation, interruption and
 * guards stop it through one AbortController.
 */
export class Invocation implements SessionLockHolder, HaltControl {
  readonly #parts: RunnerParts;
  readonly #request: RunRequest;
  readonly #subscriber: Subscriber<Event>;
  /** Made when someone first reads `signal` (many runs never do: an AbortSignal is costly). */
  #controller: AbortController | undefined;
  #aborted = false;
  #abortReason: unknown;
  readonly #guards: RunGuards;
  #stop: StopReason | undefined;
  #settled = false;
  /** The pending guarded await, when only one is pending (the common case: no Set churn). */
  #waiter: ((error: Error) => void) | undefined;
  /** Further guarded awaits pending at the same time (parallel branches). */
  #waiters: Set<(error: Error) => void> | undefined;
  #pipeline: EventPipeline | undefined;
  #telemetry: InvocationTelemetry | undefined;

  constructor(parts: RunnerParts, request: RunRequest, subscriber: Subscriber<Event>) {
    this.#parts = parts;
    this.#request = request;
    this.#subscriber = subscriber;
    this.#guards = RunGuards.of(request.runConfig, this);
    invocationShape.keep(this);
  }

  /** The run's signal, aborted once it stops (made on first read, aborted already if it has). */
  get signal(): AbortSignal {
    let controller = this.#controller;
    if (controller === undefined) {
      controller = this.#controller = new AbortController();
      if (this.#aborted) controller.abort(this.#abortReason);
    }
    return controller.signal;
  }

  /** True once the run's signal is aborted (read without making the signal). */
  get aborted(): boolean {
    return this.#aborted;
  }

  #abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  /** True once cancelled, interrupted or tripped. */
  get stopped(): boolean {
    return this.#stop !== undefined;
  }

  /** The caller unsubscribed: stop at once, emit nothing more. */
  cancel(): void {
    if (!this.#settled) this.#halt('cancel', 'The run was cancelled');
  }

  /** Stops the run; its stream completes normally with the events stored so far. */
  interrupt(): void {
    this.#halt('interrupt', 'The run was interrupted');
  }

  /** The session lock was lost while this run held it: the run fails with that error. */
  lost(error: FerriteError): void {
    this.trip(error);
  }

  trip(error: Error): void {
    this.#halt(toFerriteError(error), error);
  }

  checkpoint(): void {
    if (this.#stop !== undefined) throw new Halted();
  }

  guard<T>(value: T | PromiseLike<T>): T | Promise<T> {
    this.checkpoint();
    // A value that is not a promise cannot hang: it is awaited as it is.
    if (typeof (value as PromiseLike<T> | undefined)?.then !== 'function') return value as T;
    // Waiters per invocation instead of an abort listener per await: cheaper on the per-event
    // path, and #halt rejects them all at once. Nothing outlives the await (a race against one
    // long-lived halted promise would keep a reaction per await until the invocation ends).
    return new Promise<T>((resolve, reject) => {
      this.#addWaiter(reject);
      (value as PromiseLike<T>).then(
        (result) => {
          this.#removeWaiter(reject);
          resolve(result);
        },
        (error: unknown) => {
          this.#removeWaiter(reject);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the original error, unchanged
          reject(error);
        },
      );
    });
  }

  #addWaiter(reject: (error: Error) => void): void {
    if (this.#waiter === undefined) this.#waiter = reject;
    else (this.#waiters ??= new Set()).add(reject);
  }

  #removeWaiter(reject: (error: Error) => void): void {
    if (this.#waiter === reject) this.#waiter = undefined;
    else this.#waiters?.delete(reject);
  }

  /**
   * Runs the invocation to its end and releases `lease` once the session may be used by the
   * next run: before the stream settles, or after a store call still in flight has settled.
   * Never rejects (the outcome goes to the subscriber), and always releases the lease.
   */
  async execute(lease: SessionLockLease): Promise<void> {
    let failure: unknown;
    let failed = false;
    try {
      this.#telemetry = startTelemetry(this.#parts, this.#request);
      this.checkpoint();
      await this.#run();
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      this.#guards.dispose();
    }
    // A lease's release never rejects; one that takes time is not waited for.
    const pipeline = this.#pipeline;
    if (pipeline?.appending) {
      try {
        this.#settle(failed, failure);
        await pipeline.drain();
      } finally {
        void lease.release();
      }
    } else {
      void lease.release();
      this.#settle(failed, failure);
    }
  }

  #halt(reason: StopReason, abortReason: unknown): void {
    if (this.#stop !== undefined || this.#settled) return;
    this.#stop = reason;
    this.#telemetry?.halted(reason);
    this.#abort(
      typeof abortReason === 'string' ? new DOMException(abortReason, 'AbortError') : abortReason,
    );
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(new Halted());
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters) for (const reject of waiters) reject(new Halted());
  }

  #settle(failed: boolean, failure: unknown): void {
    const stop = this.#stop;
    this.#settled = true;
    this.#telemetry?.end(stop, failed, failure);
    if (stop === 'cancel') return;
    if (typeof stop === 'object') {
      this.#subscriber.error(stop);
    } else if (stop === 'interrupt' || !failed) {
      this.#subscriber.complete();
    } else {
      // Work the failed agent left running (tools, parallel branches) stops with the run.
      this.#abort(new DOMException('The run failed', 'AbortError'));
      this.#subscriber.error(toFerriteError(failure));
    }
  }

  async #run(): Promise<void> {
    const { tree, plugins } = this.#parts;
    const { runConfig } = this.#request;
    const loading = loadRun(this, this.#parts, this.#request);
    const { session, resume } = loading instanceof Promise ? await loading : loading;
    const shared = new RunScope({
      invocationId: resume?.invocationId ?? this.#request.invocationId ?? newEventId(),
      appName: this.#parts.appName,
      userId: this.#request.userId,
      session,
      userContent: this.#request.message,
      runConfig,
      signalSource: this,
      artifactService: this.#parts.artifactService,
      memoryService: this.#parts.memoryService,
      plugins,
    });
    const context = RunInvocationContext.create(
      shared,
      resume?.agent ?? selectAgent(session.events, tree),
    );
    this.#telemetry?.attach(context);
    const pipeline = new EventPipeline({
      control: this,
      session,
      sessionService: this.#parts.sessionService,
      subscriber: this.#subscriber,
      guards: this.#guards,
      plugins,
      streamingMode: runConfig.streamingMode,
    });
    this.#pipeline = pipeline;
    shared.runNested = (parent, agent, message, options) =>
      traceNestedRun(parent, agent, options.branch, () =>
        runNestedAgent(this, pipeline, parent, agent, message, options),
      );

    // Each step below returns a promise only when it has work to wait for (a plugin, a memory
    // service, a guardrail); the others cost no async frame and no await.
    const beforeRun = runBeforeRun(this, plugins, context);
    const earlyExit = beforeRun && (await beforeRun);
    const userContent = runOnUserMessage(this, plugins, context, shared.userContent);
    shared.userContent = isPromise(userContent) ? await userContent : userContent;
    if (!earlyExit) {
      const memories = preloadMemories(this, this.#parts, this.#request, shared.userContent);
      shared.memories = isPromise(memories) ? await memories : memories;
    }

    const appended = pipeline.append(
      userEvent(shared.invocationId, shared.userContent, this.#request.stateDelta),
    );
    if (appended instanceof Promise) await appended;

    if (earlyExit) {
      const root = context.withAgent(tree.root);
      await pipeline.deliver(root, createEvent({ author: tree.root.name, content: earlyExit }));
    } else if (!shared.ended) {
      this.#guards.start();
      const guardrails = new RunGuardrails(this, tree);
      const before = guardrails.beforeAgent(context);
      if (before) await before;
      await new AgentLoop(this, pipeline, tree, runConfig.maxTransfers, this.#telemetry).run(
        context,
      );
      const after = guardrails.afterAgent();
      if (after) await after;
      const output = guardrails.checkOutput(context);
      if (output) await output;
    }

    const afterRun = runAfterRun(this, plugins, context);
    if (afterRun) await afterRun;
    this.checkpoint();
  }
}
