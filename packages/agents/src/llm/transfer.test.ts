import { describe, expect, it } from 'vitest';
import { textOf, type ModelRequest } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { LlmAgent } from './llm-agent.js';
import { SequentialAgent } from '../workflow/sequential-agent.js';
import { calls, harness } from '../testing/run-harness.js';

const transferEnum = (request: ModelRequest) =>
  (
    request.tools.find((tool) => tool.name === 'transfer_to_agent')?.parameters as
      { properties: { agent_name: { enum: string[] } } } | undefined
  )?.properties.agent_name.enum;

describe('transfer_to_agent', () => {
  it('hands root → child → grandchild in one run, and routes the next turn to the grandchild', async () => {
    const rootModel = new ScriptedModel([calls(['transfer_to_agent', { agent_name: 'billing' }])]);
    const billingModel = new ScriptedModel([
      calls(['transfer_to_agent', { agent_name: 'refunds' }]),
    ]);
    const refundsModel = new ScriptedModel(['Your refund is on its way.', 'It takes three days.']);
    const refunds = new LlmAgent({
      name: 'refunds',
      description: 'Handles refunds',
      model: refundsModel,
    });
    const billing = new LlmAgent({
      name: 'billing',
      description: 'Handles invoices',
      model: billingModel,
      subAgents: [refunds],
    });
    const support = new LlmAgent({
      name: 'support',
      description: 'General questions',
      model: new ScriptedModel([]),
    });
    const root = new LlmAgent({ name: 'root', model: rootModel, subAgents: [billing, support] });
    const h = harness(root);

    const events = await h.send('I want my money back', { runConfig: { streamingMode: 'none' } });
    expect(events.map((e) => e.author)).toEqual(['root', 'root', 'billing', 'billing', 'refunds']);
    expect(events[1]!.actions.transferToAgent).toBe('billing');
    expect(events[3]!.actions.transferToAgent).toBe('refunds');
    expect(textOf(events[4]!.content)).toBe('Your refund is on its way.');

    expect(transferEnum(rootModel.requests[0]!)).toEqual(['billing', 'support']);
    expect(transferEnum(billingModel.requests[0]!)).toEqual(['refunds', 'root', 'support']);
    expect(transferEnum(refundsModel.requests[0]!)).toEqual(['billing']);
    expect(billingModel.requests[0]!.systemInstruction).toContain('- refunds: Handles refunds');
    // The grandchild sees the others' steps as context, in the user role.
    const seen = refundsModel.requests[0]!.contents;
    expect(seen[0]).toEqual({ role: 'user', parts: [{ text: 'I want my money back' }] });
    expect(seen[1]).toEqual({
      role: 'user',
      parts: [
        { text: 'For context:' },
        {
          text: '[root] called tool `transfer_to_agent` with parameters: {"agent_name":"billing"}',
        },
      ],
    });
    expect(seen[2]!.parts[1]!.text).toBe(
      '[root] `transfer_to_agent` tool returned result: {"transferredTo":"billing"}',
    );

    await h.send('How long?');
    expect(rootModel.requests).toHaveLength(1);
    expect(refundsModel.requests).toHaveLength(2);
    expect(textOf(refundsModel.requests[1]!.contents.at(-1))).toBe('How long?');
  });

  it('tells the model when the target is not one it may transfer to, and carries on', async () => {
    const model = new ScriptedModel([
      calls(['transfer_to_agent', { agent_name: 'nobody' }]),
      'I will answer myself.',
    ]);
    const child = new LlmAgent({ name: 'child', model: new ScriptedModel([]) });
    const h = harness(new LlmAgent({ name: 'root', model, subAgents: [child] }));
    const events = await h.send('hi');
    const response = model.requests[1]!.contents.at(-1)!.parts[0]!.functionResponse!.response;
    expect(String(response.error)).toContain('choose one of child');
    expect(events.some((e) => e.actions.transferToAgent)).toBe(false);
    expect(textOf(events.at(-1)!.content)).toBe('I will answer myself.');
  });

  it('carries out only the first transfer call of a response', async () => {
    const model = new ScriptedModel([
      calls(['transfer_to_agent', { agent_name: 'a' }], ['transfer_to_agent', { agent_name: 'b' }]),
    ]);
    const a = new LlmAgent({ name: 'a', model: new ScriptedModel(['from a']) });
    const b = new LlmAgent({ name: 'b', model: new ScriptedModel(['from b']) });
    const h = harness(new LlmAgent({ name: 'root', model, subAgents: [a, b] }));
    const events = await h.send('hi');
    const responses = events[1]!.content!.parts.map((p) => p.functionResponse!.response);
    expect(responses[0]).toEqual({ transferredTo: 'a' });
    expect(String(responses[1]!.error)).toContain('Only the first');
    expect(events[1]!.actions.transferToAgent).toBe('a');
    expect(textOf(events.at(-1)!.content)).toBe('from a');
  });

  it('offers no parent or peers when disallowed, and no tool when nothing is left', async () => {
    const childModel = new ScriptedModel(['hi']);
    const child = new LlmAgent({
      name: 'child',
      model: childModel,
      disallowTransferToParent: true,
      disallowTransferToPeers: true,
    });
    const peer = new LlmAgent({ name: 'peer', model: new ScriptedModel([]) });
    const rootModel = new ScriptedModel([calls(['transfer_to_agent', { agent_name: 'child' }])]);
    const h = harness(new LlmAgent({ name: 'root', model: rootModel, subAgents: [child, peer] }));
    await h.send('hi');
    expect(childModel.requests[0]!.tools).toEqual([]);
    expect(childModel.requests[0]!.systemInstruction).toBeUndefined();
  });

  it('offers no transfer to the parent or peers under a workflow agent', async () => {
    const firstModel = new ScriptedModel(['one']);
    const first = new LlmAgent({ name: 'first', model: firstModel });
    const second = new LlmAgent({ name: 'second', model: new ScriptedModel(['two']) });
    const h = harness(new SequentialAgent({ name: 'pipeline', subAgents: [first, second] }));
    await h.send('go');
    expect(firstModel.requests[0]!.tools).toEqual([]);
  });
});
