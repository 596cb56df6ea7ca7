import { describe, expect, it } from 'vitest';
import { ScriptedModel } from '@ferrite/core/testing';
import { FunctionTool } from '../tools/function-tool.js';
import { LlmAgent } from './llm-agent.js';
import { toolTableOf } from './tool-table.js';

const tool = new FunctionTool({ name: 'ping', description: 'Ping', execute: () => 'pong' });

describe('toolTableOf', () => {
  it('reuses one frozen table while the tools and targets stay the same', () => {
    const agent = new LlmAgent({ name: 'solo', model: new ScriptedModel([]), tools: [tool] });
    const first = toolTableOf(agent, agent.tools, agent.transferTargets());
    expect([...first.tools.keys()]).toEqual(['ping']);
    expect(first.declarations).toEqual([
      { name: 'ping', description: 'Ping', parameters: { type: 'object', properties: {} } },
    ]);
    expect(Object.isFrozen(first.declarations) && Object.isFrozen(first.declarations[0])).toBe(
      true,
    );
    expect(toolTableOf(agent, agent.tools, agent.transferTargets())).toBe(first);
  });

  it('builds a new table once the agent gains transfer targets', () => {
    const child = new LlmAgent({ name: 'child', model: new ScriptedModel([]), tools: [tool] });
    const before = toolTableOf(child, child.tools, child.transferTargets());
    expect(before.tools.has('transfer_to_agent')).toBe(false);
    const parent = new LlmAgent({
      name: 'parent',
      model: new ScriptedModel([]),
      subAgents: [child],
    });
    const after = toolTableOf(child, child.tools, child.transferTargets());
    expect(after).not.toBe(before);
    expect([...after.tools.keys()]).toEqual(['ping', 'transfer_to_agent']);
    expect(after.declarations[1]).toMatchObject({
      name: 'transfer_to_agent',
      parameters: { properties: { agent_name: { enum: ['parent'] } } },
    });
    expect(
      toolTableOf(parent, parent.tools, parent.transferTargets()).tools.has('transfer_to_agent'),
    ).toBe(true);
  });
});
