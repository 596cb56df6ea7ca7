import { describe, expect, it } from 'vitest';
import { modelContent, textOf, userContent } from './content.js';

describe('textOf', () => {
  it('joins the text parts that are not thoughts, skipping other parts', () => {
    expect(
      textOf({
        role: 'model',
        parts: [
          { text: 'Hello' },
          { text: 'let me think', thought: true },
          { functionCall: { id: 'c', name: 'f', args: {} } },
          { inlineData: { mimeType: 'image/png', data: 'AA==' } },
          { text: ', world' },
        ],
      }),
    ).toBe('Hello, world');
  });

  it('gives an empty string for no content or no text', () => {
    expect(textOf(undefined)).toBe('');
    expect(textOf({ role: 'user', parts: [] })).toBe('');
    expect(textOf({ role: 'user', parts: [{ fileData: { mimeType: 'a/b', fileUri: 'x' } }] })).toBe(
      '',
    );
  });
});

describe('userContent and modelContent', () => {
  it('build one-part messages with the right role', () => {
    expect(userContent('hi')).toEqual({ role: 'user', parts: [{ text: 'hi' }] });
    expect(modelContent('hello')).toEqual({ role: 'model', parts: [{ text: 'hello' }] });
  });
});
