import { describe, expect, it } from 'vitest';
import { tokenizeWords } from './tokenize-words.js';

describe('tokenizeWords', () => {
  it('splits on anything but letters and digits, lower-casing', () => {
    expect(tokenizeWords("Hello, World! It's 2024-06-01.")).toEqual([
      'hello',
      'world',
      'it',
      's',
      '2024',
      '06',
      '01',
    ]);
  });

  it('keeps Unicode letters and digits together', () => {
    expect(tokenizeWords('Café naïve ÉTÉ 東京タワー ٣٤ snake_case')).toEqual([
      'café',
      'naïve',
      'été',
      '東京タワー',
      '٣٤',
      'snake',
      'case',
    ]);
  });

  it('gives no words for punctuation and whitespace', () => {
    expect(tokenizeWords('  ...?! — ')).toEqual([]);
    expect(tokenizeWords('')).toEqual([]);
  });
});
