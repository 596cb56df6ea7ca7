const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The words of a text: maximal runs of Unicode letters or digits, lower-cased, in order and
 * with repeats (no stop words, no stemming).
 */
export function tokenizeWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(WORD)) words.push(match[0].toLowerCase());
  return words;
}
