import type { Agent } from './agent.js';
import type { Content, Part } from '../types/content.js';
import type { Session } from '../types/session.js';
import type { MemoryEntry } from '../services/memory-service.js';
import type { ArtifactVersion } from '../services/artifact-service.js';
import type { ResolvedRunConfig } from '../run/run-config.js';
import type { Plugin } from '../run/runner-config.js';
import type { Event } from '../types/event.js';

/**
 * The session state as an agent sees it during a run: app, user, session and temp keys.
 * `set` is visible at once and is recorded into the `stateDelta` of the agent's next event.
 * Writing is one-way: the runner alone attaches the recorded writes to an event.
 */
export interface StateView {
  /** The current value of a key of any scope, pending writes included. */
  get<TValue = unknown>(key: string): TValue | undefined;
  /** True when the key has a value, pending writes included. */
  has(key: string): boolean;
  /** Writes a key (its prefix picks the scope); it is stored with the agent's next event. */
  set(key: string, value: unknown): void;
  /** A copy of the whole merged state, pending writes included. */
  toObject(): Record<string, unknown>;
}

/**
 * The session's artifacts, with saves recorded into the next event's `artifactDelta` (the
 * runner alone attaches them to an event).
 */
export interface ScopedArtifacts {
  /** Saves a new version and records it for the next event's `artifactDelta`. */
  save(
    filename: string,
    artifact: Part,
    options?: { customMetadata?: Record<string, unknown> },
  ): Promise<number>;
  /** The given version, or the latest; undefined when unknown. */
  load(filename: string, version?: number): Promise<Part | undefined>;
  /** The session's artifact names with the user's `user:` names, sorted. */
  list(): Promise<string[]>;
  /** The versions of one artifact, ascending. */
  versions(filename: string): Promise<number[]>;
  /** What is known of one version (the latest without one). */
  info(filename: string, version?: number): Promise<ArtifactVersion | undefined>;
}

/** Everything an agent needs during one invocation (one user message and what follows). */
export interface InvocationContext {
  readonly invocationId: string;
  /** The agent running now. */
  readonly agent: Agent;
  readonly appName: string;
  readonly userId: string;
  /** The live session: events appended during the run are pushed onto it. */
  readonly session: Session;
  /** The user's message that started this invocation. */
  readonly userContent: Content;
  readonly runConfig: ResolvedRunConfig;
  /** Aborted when the caller unsubscribes or a guard trips. */
  readonly signal: AbortSignal;
  /**
   * True once `signal` is aborted, readable without making the signal (the Runner makes it on
   * first read: most turns never need one). A context without it is read through `signal`;
   * {@link isAborted} and {@link throwIfAborted} read either.
   */
  readonly aborted?: boolean | undefined;
  // The optional members also admit `undefined` so that an implementation holding them as
  // `T | undefined` fields (the Runner's context) satisfies this interface in a project that
  // compiles with `exactOptionalPropertyTypes`.
  /** Dot-separated branch path for agents running in parallel branches. */
  readonly branch?: string | undefined;
  readonly state: StateView;
  readonly artifacts?: ScopedArtifacts | undefined;
  /** The user's long-term memory, when the runner has a memory service. */
  readonly memory?: { search(query: string, limit?: number): Promise<MemoryEntry[]> } | undefined;
  /** Memories the runner preloaded for this user message. */
  readonly memories: readonly MemoryEntry[];
  /** Counts one model call; throws MaxTurnsExceededError past `runConfig.maxTurns`. */
  countModelCall(): void;
  /** Ends the invocation after the current event: no more events, no further transfer. */
  endInvocation(): void;
  /** True once {@link InvocationContext.endInvocation} was called. */
  readonly ended: boolean;
  /** The same context for another agent or branch (workflow agents use this for children). */
  withAgent(agent: Agent, options?: { branch?: string }): InvocationContext;
  /** The Runner's plugins, whose model and tool hooks agents call. */
  readonly plugins?: readonly Plugin[] | undefined;
  /**
   * Runs `agent` nested in this invocation on `message`, in `branch`: its events are stored and
   * emitted but stay private to that branch (other agents' histories leave them out), its model
   * calls count against the run's guards, and it stops when `signal` aborts. Yields the stored
   * events. Offered by the Runner (agents as tools use it).
   */
  runAgent?(
    agent: Agent,
    message: Content,
    options: { branch: string; signal?: AbortSignal; functionCallId?: string },
  ): AsyncIterable<Event>;
}

/** True once the context's run is aborted; reads `aborted` when the context has it, else `signal`. */
export function isAborted(context: Pick<InvocationContext, 'signal' | 'aborted'>): boolean {
  const aborted = context.aborted;
  return aborted === undefined ? context.signal.aborted : aborted;
}

/** Throws the abort reason of the context's run once it is aborted (as `signal.throwIfAborted`). */
export function throwIfAborted(context: Pick<InvocationContext, 'signal' | 'aborted'>): void {
  if (isAborted(context)) context.signal.throwIfAborted();
}
