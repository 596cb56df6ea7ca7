import { describe, expect, it } from 'vitest';
import type { Content, ModelRequest, Part } from '@ferrite/core';
import { toGeminiRequest } from './gemini-request.js';

const contentsOf = (request: ModelRequest): unknown[] =>
  toGeminiRequest(request).contents as unknown[];

describe('toGeminiRequest', () => {
  it('converts a frozen Content once and reuses it on later calls', () => {
    const parts: Part[] = [{ functionCall: { id: 'c1', name: 'lookup', args: { key: 'k' } } }];
    const stored: Content = Object.freeze({ role: 'model', parts: Object.freeze(parts) as Part[] });
    const [first] = contentsOf({ contents: [stored], tools: [] });
    const [second] = contentsOf({ contents: [stored], tools: [] });
    expect(first).toEqual({
      role: 'model',
      parts: [{ functionCall: { id: 'c1', name: 'lookup', args: { key: 'k' } } }],
    });
    expect(second).toBe(first);
  });

  it('converts a Content that is not frozen on every call, so changes to it are sent', () => {
    const draft: Content = { role: 'user', parts: [{ text: 'first' }] };
    expect(contentsOf({ contents: [draft], tools: [] })).toEqual([
      { role: 'user', parts: [{ text: 'first' }] },
    ]);
    draft.parts[0]!.text = 'second';
    expect(contentsOf({ contents: [draft], tools: [] })).toEqual([
      { role: 'user', parts: [{ text: 'second' }] },
    ]);
  });
});
