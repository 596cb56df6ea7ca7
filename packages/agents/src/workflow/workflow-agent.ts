import type { ObservableInput } from 'rxjs';
import { validateAgentName, type Agent, type Event, type InvocationContext } from '@ferrite/core';
import { attachSubAgents } from '../agent/attach-sub-agents.js';

/** Settings shared by the workflow agents. */
export interface WorkflowAgentConfig {
  /** Unique name in the agent tree: 1–128 letters, digits, `_` or `-`, not `user`. */
  name: string;
  /** What the agent does, shown to LLM agents that may transfer to it. */
  description?: string;
  /** The agents it runs; their `parentAgent` becomes this agent. */
  subAgents: readonly Agent[];
}

/** Base of the agents that only orchestrate their sub-agents; the next turn never routes back to them. */
export abstract class WorkflowAgent implements Agent {
  /** The agent's name, unique in its tree. */
  readonly name: string;
  /** What the agent does (empty when not given). */
  readonly description: string;
  /** The agents it runs. */
  readonly subAgents: readonly Agent[];
  /** The agent this one belongs to, set when it is given to a parent. */
  parentAgent?: Agent | undefined;
  /** Never: the next turn is not routed back to a workflow agent. */
  readonly acceptsTransfer = false;

  constructor(config: WorkflowAgentConfig) {
    this.name = validateAgentName(config.name);
    this.description = config.description ?? '';
    this.subAgents = attachSubAgents(this, config.subAgents);
  }

  /** Runs the sub-agents for one invocation. */
  abstract run(context: InvocationContext): ObservableInput<Event>;
}
