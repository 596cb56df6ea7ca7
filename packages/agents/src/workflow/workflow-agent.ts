import type { ObservableInput } from 'rxjs';
import type { Agent, Event, InvocationContext } from '@ferrite/core';
import { validateAgentName } from '../agent/agent-name.js';
import { attachSubAgents } from '../agent/attach-sub-agents.js';

/** Settings shared by the workflow agents. */
export interface WorkflowAgentConfig {
  name: string;
  description?: string;
  subAgents: readonly Agent[];
}

/** Base of the agents that only orchestrate their sub-agents; the next turn never routes back to them. */
export abstract class WorkflowAgent implements Agent {
  readonly name: string;
  readonly description: string;
  readonly subAgents: readonly Agent[];
  parentAgent?: Agent | undefined;
  readonly acceptsTransfer = false;

  constructor(config: WorkflowAgentConfig) {
    this.name = validateAgentName(config.name);
    this.description = config.description ?? '';
    this.subAgents = attachSubAgents(this, config.subAgents);
  }

  abstract run(context: InvocationContext): ObservableInput<Event>;
}
