import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, textOf } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { LlmAgent } from '../llm/llm-agent.js';
import { AgentTool } from './agent-tool.js';
import { calls, harness } from '../testing/run-harness.js';

const Order = z.object({ item: z.string(), quantity: z.number().int().positive().default(1) });

function pricer(inputSchema: LlmAgent['inputSchema']) {
  const model = new ScriptedModel(['12 EUR']);
  const agent = new LlmAgent({ name: 'pricer', description: 'Prices orders', model, inputSchema });
  return { agent, model };
}

describe("AgentTool with the wrapped agent's inputSchema", () => {
  it('offers the zod schema as the parameters and sends the checked arguments as JSON text', async () => {
    const { agent, model } = pricer(Order);
    const tool = new AgentTool({ agent });
    expect(tool.parameters).toMatchObject({
      type: 'object',
      properties: { item: { type: 'string' }, quantity: { type: 'integer', default: 1 } },
      required: ['item'],
    });
    expect(tool.parameters.properties).not.toHaveProperty('request');
    const callerModel = new ScriptedModel([
      calls(['pricer', { item: 'tea' }, 'c1']),
      calls(['pricer', { item: 7 }, 'c2']),
      'Tea costs 12 EUR.',
    ]);
    const caller = new LlmAgent({ name: 'shop', model: callerModel, tools: [tool] });
    await harness(caller).send('price tea');
    // The default was filled in, and the agent got the arguments as its user message.
    expect(JSON.parse(textOf(model.requests[0]!.contents.at(-1)))).toEqual({
      item: 'tea',
      quantity: 1,
    });
    expect(callerModel.requests[1]!.contents.at(-1)!.parts[0]!.functionResponse!.response).toEqual({
      result: '12 EUR',
    });
    // Arguments that fail the schema go back to the model without running the agent.
    const refused = callerModel.requests[2]!.contents.at(-1)!.parts[0]!.functionResponse!;
    expect(refused.id).toBe('c2');
    expect(String(refused.response.error)).toMatch(/^Invalid arguments for tool 'pricer'/);
    expect(model.requests).toHaveLength(1);
  });

  it('takes a JSON Schema input schema, checked with ajv', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const { agent } = pricer(schema);
    const tool = new AgentTool({ agent });
    expect(tool.parameters).toEqual(schema);
    expect(await tool.validateArguments({ city: 'Lyon' })).toEqual({
      ok: true,
      value: { city: 'Lyon' },
    });
    expect((await tool.validateArguments({ town: 'Lyon' })).ok).toBe(false);
  });

  it('keeps { request } for an agent without an input schema', async () => {
    const { agent } = pricer(undefined);
    const tool = new AgentTool({ agent });
    expect(tool.parameters.required).toEqual(['request']);
    expect((await tool.validateArguments({})).ok).toBe(false);
  });

  it('refuses an input schema that is not an object schema', () => {
    const model = new ScriptedModel([]);
    expect(() => new LlmAgent({ name: 'bad', model, inputSchema: z.string() })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new LlmAgent({ name: 'bad', model, inputSchema: 'object' as never })).toThrow(
      InvalidArgumentError,
    );
  });
});
