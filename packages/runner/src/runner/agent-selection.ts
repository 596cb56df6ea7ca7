import { isPrivateToBranch, type Agent, type Event } from '@ferrite/core';
import type { AgentTree } from './agent-tree.js';

/**
 * Picks the agent that answers the next user message (SPEC §7 step 2): the newest
 * agent-authored event decides (its transfer target if set, else its author); that agent
 * runs if it is in the tree and it and all its ancestors accept transfer, else the root.
 */
export function selectAgent(events: readonly Event[], tree: AgentTree): Agent {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index];
    // Events of an agent used as a tool never route a turn: that agent answered its caller.
    if (!event || event.author === 'user' || !event.author || isPrivateToBranch(event)) continue;
    const name = event.actions?.transferToAgent || event.author;
    const agent = tree.find(name);
    return agent && tree.acceptsRouting(agent) ? agent : tree.root;
  }
  return tree.root;
}
