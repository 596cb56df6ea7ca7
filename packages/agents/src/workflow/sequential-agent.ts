import type { Event, InvocationContext } from '@ferrite/core';
import { runChildAgent } from '../telemetry/child-agent-run.js';
import { WorkflowAgent, type WorkflowAgentConfig } from './workflow-agent.js';

/** Settings of a {@link SequentialAgent}. */
export type SequentialAgentConfig = WorkflowAgentConfig;

/**
 * Runs its sub-agents one after the other, in the same branch, each seeing what the previous
 * ones added to the session.
 *
 * @example
 * ```ts
 * const pipeline = new SequentialAgent({ name: 'pipeline', subAgents: [writer, reviewer] });
 * ```
 */
export class SequentialAgent extends WorkflowAgent {
  /** Runs the sub-agents in turn, yielding their events. */
  async *run(context: InvocationContext): AsyncGenerator<Event> {
    for (const child of this.subAgents) {
      if (context.ended) return;
      for await (const event of runChildAgent(context, child)) {
        yield event;
        if (context.ended) return;
      }
    }
  }
}
