import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError } from '@ferrite/core';
import { FunctionTool } from './function-tool.js';
import { checkToolArguments } from './tool-arguments.js';

describe('FunctionTool', () => {
  it('declares a zod schema as JSON Schema and checks arguments with zod', async () => {
    const tool = new FunctionTool({
      name: 'forecast',
      description: 'Forecast',
      parameters: z.object({
        city: z.string().describe('City name'),
        days: z.number().int().default(1),
      }),
      execute: ({ city, days }) => `${city}:${days}`,
    });
    expect(tool.parameters).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        days: {
          type: 'integer',
          default: 1,
          minimum: expect.any(Number),
          maximum: expect.any(Number),
        },
      },
      required: ['city'],
    });
    expect(await tool.validateArguments({ city: 'Oslo' })).toEqual({
      ok: true,
      value: { city: 'Oslo', days: 1 },
    });
    const bad = await tool.validateArguments({ days: 2.5 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toMatch(/city/);
  });

  it('checks JSON Schema arguments with ajv on a copy, filling defaults', async () => {
    const tool = new FunctionTool({
      name: 'search',
      description: 'Search',
      parameters: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { q: { type: 'string' }, limit: { type: 'integer', default: 10 } },
        required: ['q'],
      },
      execute: (args) => args,
    });
    const args = Object.freeze({ q: 'ferrite' });
    expect(await checkToolArguments(tool, args)).toEqual({
      ok: true,
      value: { q: 'ferrite', limit: 10 },
    });
    expect(await checkToolArguments(tool, { limit: 'x' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/must have required property 'q'.*must be integer/),
    });
  });

  it('checks arguments in place, without a copy, when the schema has no defaults', async () => {
    const tool = new FunctionTool({
      name: 'lookup',
      description: 'Lookup',
      parameters: {
        type: 'object',
        properties: { q: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
        required: ['q'],
      },
      execute: (args) => args,
    });
    const args = Object.freeze({ q: 'ferrite', tags: Object.freeze(['a']) });
    const check = await checkToolArguments(tool, args);
    expect(check).toEqual({ ok: true, value: args });
    expect(check.ok && check.value).toBe(args);
    expect(await checkToolArguments(tool, { tags: [1] })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/must have required property 'q'.*must be string/),
    });
    // A default anywhere in the schema (here under a nested property) still means a copy.
    const nested = new FunctionTool({
      name: 'nested',
      description: 'Nested',
      parameters: {
        type: 'object',
        properties: {
          page: { type: 'object', properties: { size: { type: 'integer', default: 20 } } },
        },
      },
      execute: (input) => input,
    });
    const input = { page: {} };
    expect(await checkToolArguments(nested, input)).toEqual({
      ok: true,
      value: { page: { size: 20 } },
    });
    expect(input).toEqual({ page: {} });
  });

  it('rejects a broken schema or name at construction', () => {
    expect(
      () =>
        new FunctionTool({
          name: 'x',
          description: 'x',
          parameters: { type: 'nonsense' },
          execute: () => 1,
        }),
    ).toThrow(InvalidArgumentError);
    expect(
      () => new FunctionTool({ name: 'bad name', description: 'x', execute: () => 1 }),
    ).toThrow(InvalidArgumentError);
  });
});
