import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

function split(chunks: (string | Buffer)[], max = 100): { lines: string[]; overflowed: number } {
  const result = { lines: [] as string[], overflowed: 0 };
  const splitter = new LineSplitter(
    max,
    (line) => result.lines.push(line),
    () => (result.overflowed += 1),
  );
  for (const chunk of chunks) splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  splitter.end();
  return result;
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and strips CR', () => {
    expect(split(['{"a":', '1}\r\n{"b"', ':2}\n\nlast']).lines).toEqual([
      '{"a":1}',
      '{"b":2}',
      '',
      'last',
    ]);
  });

  it('keeps a multi-byte character split between chunks intact', () => {
    const bytes = Buffer.from('héllo wörld\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2, 9), bytes.subarray(9)]).lines).toEqual([
      'héllo wörld',
    ]);
  });

  it('reports a line over the limit once, while it arrives, and ignores the rest', () => {
    const result = split(['ok\n', 'x'.repeat(60), 'x'.repeat(60), 'more\nignored\n'], 100);
    expect(result.lines).toEqual(['ok']);
    expect(result.overflowed).toBe(1);
  });

  it('accepts a line of exactly the limit', () => {
    expect(split(['y'.repeat(100), '\n'], 100)).toEqual({
      lines: ['y'.repeat(100)],
      overflowed: 0,
    });
  });
});
