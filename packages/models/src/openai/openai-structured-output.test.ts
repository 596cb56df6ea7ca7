import { describe, expect, it } from 'vitest';
import type { ModelRequest } from '@ferrite/core';
import { toOpenAIRequest } from './openai-request.js';

describe('toOpenAIRequest with an output schema', () => {
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { ok: { type: 'boolean' } },
    required: ['ok'],
  };

  it('sends response_format json_schema with name, schema (without $schema) and strict', () => {
    const request: ModelRequest = {
      contents: [{ role: 'user', parts: [{ text: 'ok?' }] }],
      tools: [],
      outputSchema: { name: 'checker_output', schema, strict: true },
    };
    expect(toOpenAIRequest('m', request, false).response_format).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'checker_output',
        strict: true,
        schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
      },
    });
  });

  it('defaults strict to false and sends no response_format without a schema', () => {
    const base: ModelRequest = { contents: [], tools: [] };
    expect(toOpenAIRequest('m', base, false)).not.toHaveProperty('response_format');
    const loose = toOpenAIRequest('m', { ...base, outputSchema: { name: 'n', schema } }, true);
    expect((loose.response_format as { json_schema: { strict: boolean } }).json_schema.strict).toBe(
      false,
    );
  });
});
