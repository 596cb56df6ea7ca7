import { describe, expect, it } from 'vitest';
import { findAgent, rootAgentOf, type Agent } from './agent.js';

function agent(name: string, subAgents: Agent[] = []): Agent {
  const self: Agent = { name, description: '', subAgents, run: () => [] };
  for (const child of subAgents) child.parentAgent = self;
  return self;
}

describe('findAgent and rootAgentOf', () => {
  const leaf = agent('refunds');
  const billing = agent('billing', [leaf]);
  const support = agent('support');
  const root = agent('router', [billing, support]);

  it('finds an agent anywhere in the tree by name, or undefined', () => {
    expect(findAgent(root, 'router')).toBe(root);
    expect(findAgent(root, 'refunds')).toBe(leaf);
    expect(findAgent(root, 'support')).toBe(support);
    expect(findAgent(root, 'sales')).toBeUndefined();
    expect(findAgent(billing, 'support')).toBeUndefined();
  });

  it('follows parent links up to the root', () => {
    expect(rootAgentOf(leaf)).toBe(root);
    expect(rootAgentOf(root)).toBe(root);
  });
});
