import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, textOf, type TransferInputData } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { LlmAgent } from './llm-agent.js';
import { calls, harness } from '../testing/run-harness.js';

describe('run-wide model settings', () => {
  it('RunConfig.model replaces every agent model for that run only', async () => {
    const own = new ScriptedModel(['from own model', 'own again']);
    const override = new ScriptedModel(['from run model']);
    const run = harness(new LlmAgent({ name: 'a', model: own }));
    const events = await run.send('hi', { runConfig: { model: override } });
    expect(textOf(events.at(-1)!.content)).toBe('from run model');
    expect(own.requests).toHaveLength(0);
    const later = await run.send('hi again');
    expect(textOf(later.at(-1)!.content)).toBe('from own model');
  });

  it("RunConfig.modelSettings overrides the agent's generateConfig per key", async () => {
    const model = new ScriptedModel(['ok']);
    const agent = new LlmAgent({
      name: 'a',
      model,
      generateConfig: { temperature: 0.9, topP: 0.5, extra: { seed: 1, user: 'x' } },
    });
    await harness(agent).send('hi', {
      runConfig: { modelSettings: { temperature: 0, maxOutputTokens: 64, extra: { seed: 7 } } },
    });
    expect(model.requests[0]!.config).toEqual({
      temperature: 0,
      topP: 0.5,
      maxOutputTokens: 64,
      extra: { seed: 7, user: 'x' },
    });
    expect(() => harness(agent, { runConfig: { model: {} as never } })).toThrow(
      InvalidArgumentError,
    );
  });

  it('RunConfig.transferInputFilter shapes what the agent transferred to sees', async () => {
    const received: TransferInputData[] = [];
    const targetModel = new ScriptedModel(['Billing here.']);
    const billing = new LlmAgent({ name: 'billing', model: targetModel });
    const root = new LlmAgent({
      name: 'root',
      model: new ScriptedModel([
        { content: { role: 'model', parts: [{ text: 'Internal notes: VIP.' }] } },
        calls(['transfer_to_agent', { agent_name: 'billing' }, 't1']),
      ]),
      subAgents: [billing],
    });
    const run = harness(root, {
      runConfig: {
        transferInputFilter: (data) => {
          received.push(data);
          return [data.userContent];
        },
      },
    });
    await run.send('First message');
    // No transfer in that invocation: the filter was not called.
    expect(received).toHaveLength(0);
    await run.send('Refund please');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ fromAgent: 'root', toAgent: 'billing' });
    expect(
      received[0]!.history.some((content) =>
        textOf(content).includes('[root] said: Internal notes: VIP.'),
      ),
    ).toBe(true);
    expect(Object.isFrozen(received[0]!.history)).toBe(true);
    expect(targetModel.requests[0]!.contents.map((content) => textOf(content))).toEqual([
      'Refund please',
    ]);
  });
});
