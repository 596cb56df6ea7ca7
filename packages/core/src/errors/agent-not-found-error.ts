import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A transfer named an agent that is not in the agent tree (`agent.not_found`). */
export class AgentNotFoundError extends FerriteError {
  static override readonly code = 'agent.not_found';
  /** The name that was asked for. */
  readonly agentName: string;
  constructor(agentName: string, options: FerriteErrorOptions = {}) {
    super(`Agent '${agentName}' is not in the agent tree`, options);
    this.agentName = agentName;
  }
}
