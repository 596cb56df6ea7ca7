import { InvalidArgumentError, type Event, type InvocationContext } from '@ferrite/core';
import { runChildAgent } from '../telemetry/child-agent-run.js';
import { WorkflowAgent, type WorkflowAgentConfig } from './workflow-agent.js';

/** Settings of a {@link LoopAgent}. */
export interface LoopAgentConfig extends WorkflowAgentConfig {
  /** Rounds at most; unbounded when absent (the run's `maxTurns` still applies). */
  maxIterations?: number;
}

/**
 * Runs its sub-agents in order, round after round, until one of them emits an event with
 * `actions.escalate` (the round stops once that sub-agent finishes) or `maxIterations` rounds ran.
 *
 * @example
 * ```ts
 * const refine = new LoopAgent({ name: 'refine', subAgents: [drafter, critic], maxIterations: 3 });
 * ```
 */
export class LoopAgent extends WorkflowAgent {
  /** Rounds at most; undefined for no limit of its own. */
  readonly maxIterations: number | undefined;

  constructor(config: LoopAgentConfig) {
    super(config);
    const max = config.maxIterations;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new InvalidArgumentError(
        `maxIterations of loop agent '${this.name}' must be a positive integer`,
      );
    }
    this.maxIterations = max;
  }

  /** Runs the rounds, yielding the sub-agents' events. */
  async *run(context: InvocationContext): AsyncGenerator<Event> {
    if (this.subAgents.length === 0) return;
    for (
      let round = 0;
      this.maxIterations === undefined || round < this.maxIterations;
      round += 1
    ) {
      for (const child of this.subAgents) {
        let escalated = false;
        for await (const event of runChildAgent(context, child)) {
          yield event;
          if (event.actions?.escalate) escalated = true;
          if (context.ended) return;
        }
        if (escalated) return;
        context.signal.throwIfAborted();
      }
    }
  }
}
