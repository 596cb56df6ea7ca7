import {
  ShapeKeeper,
  AgentNotFoundError,
  TransferLimitError,
  createEvent,
  type Agent,
} from '@ferrite/core';
import { pendingWritesOf, type RunInvocationContext } from '../context/run-invocation-context.js';
import type { AgentTree } from '../runner/agent-tree.js';
import { AgentEventSource } from './agent-event-source.js';
import type { InvocationTelemetry } from '../telemetry/invocation-telemetry.js';
import type { EventPipeline } from './event-pipeline.js';
import type { HaltControl } from './halt-control.js';

const agentLoopShape = new ShapeKeeper<AgentLoop>();

/**
 * Steps 5–6 of a run: runs the selected agent, feeds its events through the pipeline, and
 * follows transfers (`actions.transferToAgent`) to the next agent until none is left, the
 * invocation ends, or `maxTransfers` is passed.
 */
export class AgentLoop {
  readonly #control: HaltControl;
  readonly #pipeline: EventPipeline;
  readonly #tree: AgentTree;
  readonly #maxTransfers: number;
  readonly #telemetry: InvocationTelemetry | undefined;

  constructor(
    control: HaltControl,
    pipeline: EventPipeline,
    tree: AgentTree,
    maxTransfers: number,
    telemetry?: InvocationTelemetry,
  ) {
    this.#telemetry = telemetry?.tracing ? telemetry : undefined;
    this.#control = control;
    this.#pipeline = pipeline;
    this.#tree = tree;
    this.#maxTransfers = maxTransfers;
    agentLoopShape.keep(this);
  }

  /** Runs `context.agent`, then every agent it transfers to. */
  async run(context: RunInvocationContext): Promise<void> {
    let current = context;
    let transfers = 0;
    for (;;) {
      const target = this.#telemetry
        ? await this.#telemetry.traceAgent(current, () => this.#runAgent(current))
        : await this.#runAgent(current);
      if (target === undefined || current.ended) return;
      transfers += 1;
      if (transfers > this.#maxTransfers) {
        throw new TransferLimitError(
          `The run made more than ${this.#maxTransfers} agent transfers (maxTransfers); the last one asked for '${target.name}'`,
        );
      }
      current = current.withAgent(target);
    }
  }

  /**
   * Runs one agent to its end; returns the last transfer target its events asked for (an
   * unknown target fails the run as soon as the event naming it was stored and emitted).
   */
  async #runAgent(context: RunInvocationContext): Promise<Agent | undefined> {
    const source = AgentEventSource.open(context.agent.run(context));
    let transfer: Agent | undefined;
    let finished = false;
    try {
      for (;;) {
        const next = await source.next(this.#control);
        this.#control.checkpoint();
        if (next.done) {
          finished = true;
          break;
        }
        const delivered = this.#pipeline.deliver(context, next.value);
        const stored = delivered instanceof Promise ? await delivered : delivered;
        if (stored && this.#telemetry)
          this.#telemetry.event(context.contextOf(stored.author, stored.branch) ?? context, stored);
        const target = stored?.actions.transferToAgent;
        if (target) {
          transfer = this.#tree.find(target);
          if (!transfer) throw new AgentNotFoundError(target);
        }
        if (context.ended) break;
      }
    } finally {
      // A source that ended needs no closing (returning a finished generator makes a promise).
      if (!finished) source.close();
    }
    // Child contexts (workflow agents) first, then the agent's own, each in one closing event.
    if (context.familySize > 1) {
      for (const member of [...context.family()]) {
        if (member !== context) await this.#flushLeftovers(member);
      }
    }
    const flushed = this.#flushLeftovers(context);
    if (flushed) await flushed;
    return transfer;
  }

  /**
   * Writes a context's agent made after its last event: `temp:` keys go straight into the
   * live state (they are never stored, so they need no event); anything else is stored in one
   * closing event of that context, to which the pipeline attaches them like to any event. A
   * promise only while that store call runs (most agents leave nothing: no promise, no await).
   */
  #flushLeftovers(context: RunInvocationContext): Promise<unknown> | undefined {
    const pending = pendingWritesOf(context);
    if (pending.isEmpty) return undefined;
    pending.moveTempKeysTo(context.session.state);
    if (pending.isEmpty) return undefined;
    const delivered = this.#pipeline.deliver(
      context,
      createEvent({
        invocationId: context.invocationId,
        author: context.agent.name,
        ...(context.branch === undefined ? {} : { branch: context.branch }),
      }),
    );
    return delivered instanceof Promise ? delivered : undefined;
  }
}
