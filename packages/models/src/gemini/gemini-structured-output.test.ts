import { describe, expect, it } from 'vitest';
import type { ModelRequest } from '@ferrite/core';
import { toGeminiRequest } from './gemini-request.js';

describe('toGeminiRequest with an output schema', () => {
  it('asks for application/json with the JSON Schema, next to the other generation settings', () => {
    const request: ModelRequest = {
      contents: [{ role: 'user', parts: [{ text: 'ok?' }] }],
      tools: [],
      config: { temperature: 0 },
      outputSchema: {
        name: 'checker_output',
        schema: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          properties: { ok: { type: 'boolean' } },
          required: ['ok'],
          additionalProperties: false,
        },
      },
    };
    expect(toGeminiRequest(request).generationConfig).toEqual({
      temperature: 0,
      responseMimeType: 'application/json',
      responseJsonSchema: {
        type: 'object',
        properties: { ok: { type: 'boolean' } },
        required: ['ok'],
        additionalProperties: false,
      },
    });
  });

  it('sends no JSON mode without a schema', () => {
    expect(toGeminiRequest({ contents: [], tools: [] })).not.toHaveProperty('generationConfig');
  });
});
