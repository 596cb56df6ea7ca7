import { AgentNotFoundError, TEMP_PREFIX, TransferLimitError, createEvent } from '@ferrite/core';
import type { RunInvocationContext } from '../context/run-invocation-context.js';
import type { AgentTree } from '../runner/agent-tree.js';
import { AgentEventSource } from './agent-event-source.js';
import type { EventPipeline } from './event-pipeline.js';
import type { InvocationControl } from './invocation-control.js';

/**
 * Steps 5–6 of a run: runs the selected agent, feeds its events through the pipeline, and
 * follows transfers (`actions.transferToAgent`) to the next agent until none is left, the
 * invocation ends, or `maxTransfers` is passed.
 */
export class AgentLoop {
  readonly #control: InvocationControl;
  readonly #pipeline: EventPipeline;
  readonly #tree: AgentTree;
  readonly #maxTransfers: number;

  constructor(
    control: InvocationControl,
    pipeline: EventPipeline,
    tree: AgentTree,
    maxTransfers: number,
  ) {
    this.#control = control;
    this.#pipeline = pipeline;
    this.#tree = tree;
    this.#maxTransfers = maxTransfers;
  }

  /** Runs `context.agent`, then every agent it transfers to. */
  async run(context: RunInvocationContext): Promise<void> {
    let current = context;
    let transfers = 0;
    for (;;) {
      const target = await this.#runAgent(current);
      if (target === undefined || current.ended) return;
      transfers += 1;
      if (transfers > this.#maxTransfers) {
        throw new TransferLimitError(
          `The run made more than ${this.#maxTransfers} agent transfers (maxTransfers); the last one asked for '${target}'`,
        );
      }
      const next = this.#tree.find(target);
      if (!next) throw new AgentNotFoundError(target);
      current = current.withAgent(next);
    }
  }

  /** Runs one agent to its end; returns the last transfer target its events asked for. */
  async #runAgent(context: RunInvocationContext): Promise<string | undefined> {
    const source = AgentEventSource.open(context.agent.run(context));
    let transfer: string | undefined;
    try {
      for (;;) {
        const next = await source.next(this.#control);
        this.#control.checkpoint();
        if (next.done) break;
        const stored = await this.#pipeline.deliver(context, next.value);
        const target = stored?.actions.transferToAgent;
        if (target) {
          if (!this.#tree.find(target)) throw new AgentNotFoundError(target);
          transfer = target;
        }
        if (context.ended) break;
      }
    } finally {
      source.close();
    }
    // Child contexts (workflow agents) first, then the agent's own, each in one closing event.
    for (const member of [...context.family()]) {
      if (member !== context) await this.#flushLeftovers(member);
    }
    await this.#flushLeftovers(context);
    return transfer;
  }

  /**
   * Writes a context's agent made after its last event: `temp:` keys go straight into the
   * live state (they are never stored); anything else is stored in one closing event of it.
   */
  async #flushLeftovers(context: RunInvocationContext): Promise<void> {
    if (!context.state.hasPending && !context.artifacts?.hasPending) return;
    const state = context.state.takeDelta();
    const stored: Record<string, unknown> = {};
    let storedKeys = 0;
    for (const [key, value] of Object.entries(state)) {
      if (key.startsWith(TEMP_PREFIX)) context.session.state[key] = value;
      else {
        stored[key] = value;
        storedKeys += 1;
      }
    }
    const artifactDelta = context.artifacts?.takeDelta() ?? {};
    if (storedKeys === 0 && Object.keys(artifactDelta).length === 0) return;
    await this.#pipeline.deliver(
      context,
      createEvent({
        invocationId: context.invocationId,
        author: context.agent.name,
        ...(context.branch === undefined ? {} : { branch: context.branch }),
        actions: { stateDelta: stored, artifactDelta },
      }),
    );
  }
}
