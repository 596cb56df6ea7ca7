import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { toStorableJson, validateContent } from './content.js';

describe('validateContent', () => {
  it('accepts each kind of part, with extra fields left alone', () => {
    const content = {
      role: 'user',
      parts: [
        { text: 'hi', thought: false },
        { inlineData: { mimeType: 'image/png', data: 'AAAA' } },
        { fileData: { mimeType: 'text/plain', fileUri: 'gs://b/o' } },
        { functionCall: { id: 'c1', name: 'f', args: {} } },
        { functionCall: { name: 'g' } },
        { functionResponse: { id: 'c1', name: 'f', response: { ok: true } } },
        { text: 'x', thoughtSignature: 'sig', videoMetadata: {} },
      ],
    };
    expect(validateContent(content)).toBe(content);
  });

  it.each([
    [undefined, 'must be a Content with at least one part'],
    [{ role: 'user', parts: [] }, 'must be a Content with at least one part'],
    [{ role: 5, parts: [{ text: 'a' }] }, 'content.role must be a string'],
    [{ parts: ['text'] }, 'content.parts[0] must be an object'],
    [{ parts: [{}] }, 'content.parts[0] must set exactly one of'],
    [{ parts: [{ thought: true }] }, 'must set exactly one of'],
    [
      { parts: [{ text: 'a', inlineData: { mimeType: 'a', data: '' } }] },
      'got text and inlineData',
    ],
    [{ parts: [{ text: 5 }] }, 'content.parts[0].text must be a string'],
    [
      { parts: [{ text: 'a' }, { text: 'b', thought: 'yes' }] },
      'content.parts[1].thought must be a boolean',
    ],
    [
      { parts: [{ inlineData: { mimeType: 'image/png' } }] },
      'content.parts[0].inlineData.data must be a string',
    ],
    [{ parts: [{ fileData: 'gs://x' }] }, 'content.parts[0].fileData must be an object'],
    [{ parts: [{ functionCall: { name: 'f', args: [] } }] }, 'functionCall.args must be an object'],
    [
      { parts: [{ functionResponse: { name: 'f' } }] },
      'functionResponse.response must be an object',
    ],
  ])('rejects %j', (value, message) => {
    expect(() => validateContent(value)).toThrow(InvalidArgumentError);
    expect(() => validateContent(value)).toThrow(message);
  });
});

describe('toStorableJson', () => {
  it('returns the JSON text of what a store can keep', () => {
    expect(toStorableJson({ a: [1, 'b'] }, 'state')).toBe('{"a":[1,"b"]}');
  });

  it('refuses a cycle, a BigInt and no JSON value at all, naming what it was', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [cyclic, { n: 1n }, undefined, () => 1]) {
      expect(() => toStorableJson(value, 'the delta')).toThrow(InvalidArgumentError);
      expect(() => toStorableJson(value, 'the delta')).toThrow(
        /^the delta cannot be stored as JSON/,
      );
    }
  });
});
