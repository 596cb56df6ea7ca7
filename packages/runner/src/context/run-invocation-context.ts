import {
  ShapeKeeper,
  InternalError,
  type Agent,
  type Content,
  type Event,
  type InvocationContext,
  type Plugin,
  type MemoryEntry,
  type ResolvedRunConfig,
  type Session,
} from '@ferrite/core';
import type { RunScope } from './run-scope.js';
import { PendingWrites } from './pending-writes.js';
import { SessionScopedArtifacts } from './session-scoped-artifacts.js';
import { SessionStateView } from './session-state-view.js';

let pendingOf: (context: RunInvocationContext) => PendingWrites;

/**
 * The writes of `context` that no event carries yet. Only the runner's own modules call this;
 * it is not exported from the package, so agents and tools can add writes but never take them.
 */
export function pendingWritesOf(context: RunInvocationContext): PendingWrites {
  return pendingOf(context);
}

function contextKey(agentName: string, branch: string | undefined): string {
  return branch === undefined ? agentName : `${branch}\u0000${agentName}`;
}

const runInvocationContextShape = new ShapeKeeper<RunInvocationContext>();

/**
 * The Runner's {@link InvocationContext}: one per agent and branch of an invocation, all
 * sharing the invocation's session, signal, model-call counter and `ended` flag, each with
 * its own buffer of state and artifact writes not yet attached to an event.
 */
export class RunInvocationContext implements InvocationContext {
  readonly agent: Agent;
  readonly branch: string | undefined;
  readonly state: SessionStateView;
  readonly artifacts: SessionScopedArtifacts | undefined;
  readonly #shared: RunScope;
  readonly #family: Map<string, RunInvocationContext>;
  readonly #pending = new PendingWrites();

  static {
    pendingOf = (context) => context.#pending;
  }

  private constructor(
    shared: RunScope,
    family: Map<string, RunInvocationContext>,
    agent: Agent,
    branch: string | undefined,
  ) {
    this.#shared = shared;
    this.#family = family;
    this.agent = agent;
    this.branch = branch;
    this.state = new SessionStateView(shared.session, this.#pending);
    this.artifacts = shared.artifactService
      ? new SessionScopedArtifacts(
          shared.artifactService,
          {
            appName: shared.appName,
            userId: shared.userId,
            sessionId: shared.session.id,
          },
          this.#pending,
        )
      : undefined;
    family.set(contextKey(agent.name, branch), this);
    runInvocationContextShape.keep(this);
  }

  /** The top-level context of an invocation, for `agent`. */
  static create(shared: RunScope, agent: Agent): RunInvocationContext {
    return new RunInvocationContext(shared, new Map(), agent, undefined);
  }

  get invocationId(): string {
    return this.#shared.invocationId;
  }
  get appName(): string {
    return this.#shared.appName;
  }
  get userId(): string {
    return this.#shared.userId;
  }
  get session(): Session {
    return this.#shared.session;
  }
  get userContent(): Content {
    return this.#shared.userContent;
  }
  get runConfig(): ResolvedRunConfig {
    return this.#shared.runConfig;
  }
  get signal(): AbortSignal {
    return this.#shared.signal;
  }
  get aborted(): boolean {
    return this.#shared.aborted;
  }
  get memory(): RunScope['memory'] {
    return this.#shared.memory;
  }
  get memories(): readonly MemoryEntry[] {
    return this.#shared.memories;
  }
  get ended(): boolean {
    return this.#shared.ended;
  }

  countModelCall(): void {
    this.#shared.countModelCall();
  }

  endInvocation(): void {
    this.#shared.ended = true;
  }

  get plugins(): readonly Plugin[] {
    return this.#shared.plugins;
  }

  runAgent(
    agent: Agent,
    message: Content,
    options: { branch: string; signal?: AbortSignal; functionCallId?: string },
  ): AsyncIterable<Event> {
    const runNested = this.#shared.runNested;
    if (!runNested) throw new InternalError('This invocation cannot run nested agents yet');
    return runNested(this, agent, message, options);
  }

  /**
   * The context for `agent` in this invocation (branch inherited unless given). Asking twice
   * for the same agent and branch gives the same context, so its unattached writes survive.
   */
  withAgent(agent: Agent, options: { branch?: string } = {}): RunInvocationContext {
    const branch = options.branch ?? this.branch;
    const existing = this.#family.get(contextKey(agent.name, branch));
    if (existing && existing.agent === agent) return existing;
    return new RunInvocationContext(this.#shared, this.#family, agent, branch);
  }

  /** Every context of this invocation, in the order they were made. */
  family(): IterableIterator<RunInvocationContext> {
    return this.#family.values();
  }

  /** How many contexts this invocation made (1 while only the first agent ran). */
  get familySize(): number {
    return this.#family.size;
  }

  /** The context of this invocation that produced events of `author` in `branch`, if any. */
  contextOf(author: string, branch: string | undefined): RunInvocationContext | undefined {
    return this.#family.get(contextKey(author, branch));
  }
}
