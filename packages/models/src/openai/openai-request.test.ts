import { describe, expect, it } from 'vitest';
import type { Content, ModelRequest, Part } from '@ferrite/core';
import { toOpenAIRequest, type OpenAIMessage } from './openai-request.js';

const messagesOf = (request: ModelRequest): OpenAIMessage[] =>
  toOpenAIRequest('m', request, false).messages as OpenAIMessage[];

describe('toOpenAIRequest', () => {
  it('converts a frozen Content once and reuses its messages on later calls', () => {
    const parts: Part[] = [
      { functionResponse: { id: 'c1', name: 'lookup', response: { value: 1 } } },
      { text: 'and then?' },
    ];
    const stored: Content = Object.freeze({ role: 'user', parts: Object.freeze(parts) as Part[] });
    const first = messagesOf({ contents: [stored], tools: [] });
    const second = messagesOf({ contents: [stored, { role: 'model', parts: [] }], tools: [] });
    expect(first).toEqual([
      { role: 'tool', tool_call_id: 'c1', content: '{"value":1}' },
      { role: 'user', content: 'and then?' },
    ]);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
  });

  it('converts a Content that is not frozen on every call, so changes to it are sent', () => {
    const draft: Content = { role: 'user', parts: [{ text: 'first' }] };
    expect(messagesOf({ contents: [draft], tools: [] })).toEqual([
      { role: 'user', content: 'first' },
    ]);
    draft.parts[0]!.text = 'second';
    expect(messagesOf({ contents: [draft], tools: [] })).toEqual([
      { role: 'user', content: 'second' },
    ]);
  });
});
