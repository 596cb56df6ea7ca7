import type { Subscriber } from 'rxjs';
import {
  ShapeKeeper,
  callPluginHook,
  type Event,
  type Plugin,
  type Session,
  type SessionService,
  type StreamingMode,
} from '@ferrite/core';
import type { TakenWrites } from '../context/pending-writes.js';
import { pendingWritesOf, type RunInvocationContext } from '../context/run-invocation-context.js';
import { withEventDefaults } from './event-defaults.js';
import { appendNowOf, type AppendNow } from './session-read.js';
import { Halted } from './halted.js';
import type { HaltControl } from './halt-control.js';
import type { RunGuards } from './run-guards.js';

const noop = (): void => {};

/** Everything the pipeline writes to and reads from. */
export interface EventPipelineConfig {
  control: HaltControl;
  session: Session;
  sessionService: SessionService;
  subscriber: Subscriber<Event>;
  guards: RunGuards;
  plugins: readonly Plugin[];
  streamingMode: StreamingMode;
}

const eventPipelineShape = new ShapeKeeper<EventPipeline>();

/**
 * Step 5 of a run: each agent event gets its defaults and, unless partial, the pending state
 * and artifact writes of the context of its author and branch; it passes the plugins'
 * `onEvent`, is stored unless partial (in order, before it is emitted), and the stored event
 * is emitted. This is the only place where pending writes are taken.
 */
export class EventPipeline {
  readonly #control: HaltControl;
  readonly #session: Session;
  readonly #sessionService: SessionService;
  readonly #subscriber: Subscriber<Event>;
  readonly #guards: RunGuards;
  readonly #eventPlugins: readonly Plugin[];
  readonly #emitPartials: boolean;
  readonly #appendAtOnce: AppendNow | undefined;
  #inflight: Promise<void> | undefined;
  /** Appends started and not yet settled; the newest of them is `#appendTail`. */
  #appending = 0;
  #appendTail: Promise<unknown> | undefined;

  constructor(init: EventPipelineConfig) {
    this.#control = init.control;
    this.#session = init.session;
    this.#sessionService = init.sessionService;
    this.#appendAtOnce = appendNowOf(init.sessionService);
    this.#subscriber = init.subscriber;
    this.#guards = init.guards;
    this.#eventPlugins =
      init.plugins.length === 0
        ? init.plugins
        : init.plugins.filter((plugin) => typeof plugin.onEvent === 'function');
    this.#emitPartials = init.streamingMode === 'sse';
    eventPipelineShape.keep(this);
  }

  /**
   * Handles one agent event; gives the stored event (undefined for partial events), at once
   * when the store appended it at once. Never throws: failures come as a rejected promise.
   */
  deliver(
    context: RunInvocationContext,
    raw: Event,
  ): Event | undefined | Promise<Event | undefined> {
    // Without plugins, a complete event goes straight to the store and is emitted there: no
    // async frame of its own (one promise hop less per event).
    if (
      this.#eventPlugins.length > 0 ||
      typeof raw !== 'object' ||
      raw === null ||
      raw.partial === true
    ) {
      return this.#deliverEach(context, raw);
    }
    try {
      const event = withEventDefaults(context, raw, takeWrites(context, raw));
      if (!this.#guards.admit(event)) throw new Halted();
      return this.#enqueue(event, true);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the original error, unchanged
      return Promise.reject(error);
    }
  }

  async #deliverEach(context: RunInvocationContext, raw: Event): Promise<Event | undefined> {
    if (typeof raw !== 'object' || raw === null) {
      throw new TypeError(`Agent '${context.agent.name}' produced a value that is not an event`);
    }
    const partial = raw.partial === true;
    if (partial && !this.#emitPartials) return undefined;
    let event = withEventDefaults(context, raw, partial ? undefined : takeWrites(context, raw));
    if (this.#eventPlugins.length > 0) event = await this.#applyPlugins(context, event);
    if (partial) {
      this.#emit(event);
      return undefined;
    }
    if (!this.#guards.admit(event)) throw new Halted();
    return this.#enqueue(event, true);
  }

  /**
   * Stores an event (never after the invocation stopped) and gives the stored copy, at once when
   * the store appended it at once. Never throws: failures come as a rejected promise.
   */
  append(event: Event): Event | Promise<Event> {
    return this.#enqueue(event, false);
  }

  /** Stores `event` after the appends in flight, then emits the stored copy when `emit`. */
  #enqueue(event: Event, emit: boolean): Event | Promise<Event> {
    // A store that appends at once (in memory), with nothing in flight: stored and emitted
    // here, with no promise, no guard and no async frame; the invocation's next checkpoint
    // sees a stop as soon as it would after an awaited append.
    if (this.#appending === 0 && this.#appendAtOnce !== undefined) {
      try {
        this.#control.checkpoint();
        const stored = this.#appendAtOnce({ session: this.#session, event });
        if (stored !== undefined) {
          if (emit) this.#emit(stored);
          return stored;
        }
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the original error, unchanged
        return Promise.reject(error);
      }
    }
    // An agent used as a tool stores its events while other branches may store theirs: appends
    // wait for the one in flight, so the session's revision moves one append at a time. Only
    // then is a chain built; an append with none in flight costs its own call alone.
    const previous = this.#appending > 0 ? this.#appendTail : undefined;
    this.#appending += 1;
    const appending = previous
      ? this.#appendAfter(previous, event, emit)
      : this.#appendNow(event, emit);
    this.#appendTail = appending;
    return appending;
  }

  #appendAfter(previous: Promise<unknown>, event: Event, emit: boolean): Promise<Event> {
    const next = (): Promise<Event> => this.#appendNow(event, emit);
    return previous.then(next, next);
  }

  /** Stores one event (emitted once stored when `emit`); counted in `#appending` until it settles. */
  async #appendNow(event: Event, emit: boolean): Promise<Event> {
    try {
      this.#control.checkpoint();
      const appending = this.#sessionService.appendEvent({ session: this.#session, event });
      let stored: Event;
      try {
        stored = await this.#control.guard(appending);
      } catch (error) {
        // Stopped while the store call runs: remember it so the session is handed on after it.
        if (error instanceof Halted) this.#inflight = appending.then(noop, noop);
        throw error;
      }
      this.#control.checkpoint();
      if (emit) this.#emit(stored);
      return stored;
    } finally {
      this.#appending -= 1;
      if (this.#appending === 0) this.#appendTail = undefined;
    }
  }

  /** True when the run stopped while a store call was still in flight. */
  get appending(): boolean {
    return this.#inflight !== undefined;
  }

  /** Settles once that store call has (so the session is handed on only after it). */
  async drain(): Promise<void> {
    await this.#inflight;
  }

  #emit(event: Event): void {
    if (!this.#subscriber.closed) this.#subscriber.next(event);
  }

  async #applyPlugins(context: RunInvocationContext, event: Event): Promise<Event> {
    let current = event;
    for (const plugin of this.#eventPlugins) {
      const replaced = await this.#control.guard(
        callPluginHook(plugin, 'onEvent', () => plugin.onEvent?.(context, current)),
      );
      if (typeof replaced === 'object' && replaced !== null) {
        current = {
          ...replaced,
          id: current.id,
          invocationId: current.invocationId,
          timestamp: current.timestamp,
          author: replaced.author || current.author,
          actions: {
            ...replaced.actions,
            stateDelta: replaced.actions?.stateDelta ?? {},
            artifactDelta: replaced.actions?.artifactDelta ?? {},
          },
        };
      }
    }
    return current;
  }
}

/**
 * Takes the pending writes for a non-partial event: those of the context of the event's
 * `(author, branch)`, or of the running agent's context when no context matches.
 */
function takeWrites(context: RunInvocationContext, raw: Event): TakenWrites | undefined {
  const owner = context.contextOf(raw.author || context.agent.name, raw.branch) ?? context;
  const pending = pendingWritesOf(owner);
  return pending.isEmpty ? undefined : pending.take();
}
