import type { Event, InvocationContext } from '@ferrite/core';
import { runChildAgent } from '../telemetry/child-agent-run.js';
import {
  pausedWithin,
  resumedChildIndex,
  workflowResumeOf,
} from '../confirmation/workflow-resume.js';
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
    // A resumed invocation continues at the step that paused; the steps before it are done.
    const resume = workflowResumeOf(context);
    const start = resume ? Math.max(0, resumedChildIndex(this.subAgents, resume)) : 0;
    for (const child of this.subAgents.slice(start)) {
      if (context.ended) return;
      for await (const event of runChildAgent(context, child)) {
        yield event;
        if (context.ended) return;
      }
      // A step that waits for an answer pauses the sequence.
      if (pausedWithin(context, child)) return;
    }
  }
}
