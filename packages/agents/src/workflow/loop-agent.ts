import { InvalidArgumentError, type Event, type InvocationContext } from '@ferrite/core';
import { runChildAgent } from '../telemetry/child-agent-run.js';
import {
  isPausing,
  pausedWithin,
  resumedChildIndex,
  workflowResumeOf,
} from '../confirmation/workflow-resume.js';
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
    // A resumed invocation continues in the round and at the step that paused (the round is
    // recorded in the pausing event's actions.agentState).
    const resume = workflowResumeOf(context);
    const resumeAt = resume ? resumedChildIndex(this.subAgents, resume) : -1;
    let first = 0;
    let start = 0;
    if (resume && resumeAt >= 0) {
      start = resumeAt;
      for (const event of resume.requestEvents) {
        const iteration = event.actions.agentState?.[this.name]?.iteration;
        if (typeof iteration === 'number' && Number.isInteger(iteration)) first = iteration;
      }
    }
    for (
      let round = first;
      this.maxIterations === undefined || round < this.maxIterations;
      round += 1
    ) {
      for (const child of this.subAgents.slice(round === first ? start : 0)) {
        let escalated = false;
        for await (const event of runChildAgent(context, child)) {
          yield isPausing(event) ? withRound(event, this.name, round) : event;
          if (event.actions?.escalate) escalated = true;
          if (context.ended) return;
        }
        if (escalated) return;
        if (pausedWithin(context, child)) return;
        context.signal.throwIfAborted();
      }
    }
  }
}

/** The event with the loop's round recorded, so a resumed invocation continues in that round. */
function withRound(event: Event, loopName: string, round: number): Event {
  const actions = event.actions ?? { stateDelta: {}, artifactDelta: {} };
  return {
    ...event,
    actions: {
      ...actions,
      agentState: { ...actions.agentState, [loopName]: { iteration: round } },
    },
  };
}
