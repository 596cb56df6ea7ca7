import { InvalidArgumentError, validateAgentName, type Agent } from '@ferrite/core';

/**
 * The agent tree a Runner serves: validated once (every name valid by `validateAgentName` and
 * unique, no agent twice), with `parentAgent` links set and a name index for transfers and
 * agent selection.
 */
export class AgentTree {
  /** The root agent. */
  readonly root: Agent;
  readonly #byName = new Map<string, Agent>();

  constructor(root: Agent) {
    this.root = root;
    const seen = new Set<Agent>();
    const visit = (agent: Agent, parent: Agent | undefined, path: string): void => {
      if (typeof agent !== 'object' || agent === null || typeof agent.run !== 'function') {
        throw new InvalidArgumentError(`${path} is not an agent (it has no run method)`);
      }
      const name = namedAgent(agent, path);
      if (seen.has(agent)) {
        throw new InvalidArgumentError(`agent '${name}' appears twice in the agent tree`);
      }
      if (this.#byName.has(name)) {
        throw new InvalidArgumentError(`agent name '${name}' is used by two agents in the tree`);
      }
      seen.add(agent);
      this.#byName.set(name, agent);
      if (parent) agent.parentAgent = parent;
      const children: unknown = agent.subAgents;
      if (!Array.isArray(children)) {
        throw new InvalidArgumentError(`agent '${name}' has no subAgents array`);
      }
      for (const child of agent.subAgents) visit(child, agent, `a sub-agent of '${name}'`);
    };
    visit(root, undefined, 'the root agent');
    for (const agent of this.#byName.values()) {
      if ((agent.outputGuardrails?.length ?? 0) > 0) this.hasOutputGuardrails = true;
    }
  }

  /** True when an agent of the tree has output guardrails of its own. */
  readonly hasOutputGuardrails: boolean = false;

  /** The agent of that name anywhere in the tree, or undefined. */
  find(name: string): Agent | undefined {
    return this.#byName.get(name);
  }

  /** True when `agent` and every ancestor up to the root accept the next turn being routed to them. */
  acceptsRouting(agent: Agent): boolean {
    let current: Agent | undefined = agent;
    while (current) {
      if (current.acceptsTransfer === false) return false;
      if (current === this.root) return true;
      current = current.parentAgent;
    }
    return true;
  }
}

/** The agent's name, checked by the one agent-name rule; the error says where in the tree. */
function namedAgent(agent: Agent, path: string): string {
  try {
    return validateAgentName(agent.name);
  } catch (error) {
    throw new InvalidArgumentError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}
