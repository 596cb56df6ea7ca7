import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, OutputValidationError, type ModelRequest } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { OpenAIChatModel } from '@ferrite/models';
import { LlmAgent } from '../llm/llm-agent.js';
import { AgentTool } from '../tools/agent-tool.js';
import { harness, calls } from '../testing/run-harness.js';

const Weather = z.object({ city: z.string(), celsius: z.number() });

const lastUserText = (request: ModelRequest) =>
  request.contents
    .at(-1)!
    .parts.map((part) => part.text ?? '')
    .join('');

describe('LlmAgent outputSchema', () => {
  it('declares the schema, stores the parsed value under outputKey and types it from zod', async () => {
    const model = new ScriptedModel(['```json\n{"city":"Lisbon","celsius":21}\n```']);
    const agent = new LlmAgent({
      name: 'forecaster',
      model,
      outputSchema: Weather,
      outputKey: 'forecast',
    });
    expectTypeOf(agent).toEqualTypeOf<LlmAgent<{ city: string; celsius: number }>>();
    expectTypeOf<ReturnType<typeof agent.parseOutput>>().toEqualTypeOf<{
      city: string;
      celsius: number;
    }>();
    expectTypeOf(new LlmAgent({ name: 'plain', model })).toEqualTypeOf<LlmAgent>();

    const run = harness(agent);
    await run.send('weather?');
    expect(model.requests[0]!.outputSchema).toEqual({
      name: 'forecaster_output',
      schema: expect.objectContaining({
        type: 'object',
        required: ['city', 'celsius'],
      }) as unknown,
      strict: false,
    });
    expect((await run.session()).state.forecast).toEqual({ city: 'Lisbon', celsius: 21 });
  });

  it('sends an invalid answer back once with the check, then accepts the corrected one', async () => {
    const model = new ScriptedModel(['{"city":"Lisbon"}', '{"city":"Lisbon","celsius":19}']);
    const agent = new LlmAgent({
      name: 'forecaster',
      model,
      outputSchema: Weather,
      outputKey: 'w',
    });
    const run = harness(agent);
    const events = await run.send('weather?');
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]!.contents.at(-2)).toEqual({
      role: 'model',
      parts: [{ text: '{"city":"Lisbon"}' }],
    });
    expect(lastUserText(model.requests[1]!)).toMatch(
      /does not match the required output schema.*celsius/s,
    );
    // Only the valid answer is stored; the failed one stays out of the session.
    const stored = (await run.session()).events;
    expect(stored.map((event) => event.content?.parts[0]?.text)).toEqual([
      'weather?',
      '{"city":"Lisbon","celsius":19}',
    ]);
    expect(events.at(-1)!.content!.parts[0]!.text).toBe('{"city":"Lisbon","celsius":19}');
    expect((await run.session()).state.w).toEqual({ city: 'Lisbon', celsius: 19 });
  });

  it('fails with OutputValidationError once the retries are used, and with outputRetries: 0 at once', async () => {
    const twice = new ScriptedModel(['not json', '{"celsius":"warm"}']);
    const error: unknown = await harness(
      new LlmAgent({ name: 'forecaster', model: twice, outputSchema: Weather }),
    )
      .send('weather?')
      .catch((caught: unknown) => caught);
    expect(OutputValidationError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'model.output_invalid',
      agentName: 'forecaster',
      output: '{"celsius":"warm"}',
    });
    const once = new ScriptedModel(['nope']);
    await expect(
      harness(
        new LlmAgent({ name: 'forecaster', model: once, outputSchema: Weather, outputRetries: 0 }),
      ).send('weather?'),
    ).rejects.toMatchObject({ code: 'model.output_invalid' });
    expect(once.requests).toHaveLength(1);
  });

  it('checks a JSON Schema with ajv', async () => {
    const schema = {
      type: 'object',
      properties: { verdict: { enum: ['yes', 'no'] } },
      required: ['verdict'],
    };
    const model = new ScriptedModel(['{"verdict":"maybe"}', '{"verdict":"no"}']);
    const agent = new LlmAgent({ name: 'judge', model, outputSchema: schema, outputKey: 'v' });
    expectTypeOf<ReturnType<typeof agent.parseOutput>>().toBeUnknown();
    const run = harness(agent);
    await run.send('well?');
    expect(lastUserText(model.requests[1]!)).toContain(
      'must be equal to one of the allowed values',
    );
    expect((await run.session()).state.v).toEqual({ verdict: 'no' });
    expect(() => new LlmAgent({ name: 'bad', model, outputSchema: { type: 'nonsense' } })).toThrow(
      InvalidArgumentError,
    );
  });

  it('an agent used as a tool answers with its parsed structured output', async () => {
    const inner = new LlmAgent({
      name: 'forecaster',
      description: 'Forecasts',
      model: new ScriptedModel(['{"city":"Porto","celsius":17}']),
      outputSchema: Weather,
    });
    const outer = new ScriptedModel([calls(['forecaster', { request: 'Porto?' }, 'c1']), 'Mild.']);
    await harness(
      new LlmAgent({ name: 'desk', model: outer, tools: [new AgentTool({ agent: inner })] }),
    ).send('weather in Porto?');
    expect(outer.requests[1]!.contents.at(-1)!.parts[0]!.functionResponse!.response).toEqual({
      city: 'Porto',
      celsius: 17,
    });
  });
});

describe('outputSchema against an OpenAI-compatible server', () => {
  it('sends response_format json_schema and retries an invalid answer', async () => {
    const bodies: Record<string, unknown>[] = [];
    const answers = ['{"city": 5}', '{"city":"Faro","celsius":24}'];
    const server = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        const content = answers[bodies.length - 1] ?? '{}';
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            id: `r${bodies.length}`,
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const model = new OpenAIChatModel({ baseURL: `http://127.0.0.1:${port}/v1`, model: 'm' });
      const agent = new LlmAgent({
        name: 'forecaster',
        model,
        outputSchema: Weather,
        outputSchemaStrict: true,
        outputKey: 'w',
      });
      const run = harness(agent, { runConfig: { streamingMode: 'none' } });
      await run.send('weather in Faro?');
      expect(bodies).toHaveLength(2);
      expect(bodies[0]!.response_format).toEqual({
        type: 'json_schema',
        json_schema: {
          name: 'forecaster_output',
          strict: true,
          schema: {
            type: 'object',
            properties: { city: { type: 'string' }, celsius: { type: 'number' } },
            required: ['city', 'celsius'],
            additionalProperties: false,
          },
        },
      });
      const retryMessages = bodies[1]!.messages as { role: string; content: string }[];
      expect(retryMessages.at(-2)).toEqual({ role: 'assistant', content: '{"city": 5}' });
      expect(retryMessages.at(-1)!.content).toMatch(/output schema/);
      expect((await run.session()).state.w).toEqual({ city: 'Faro', celsius: 24 });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
