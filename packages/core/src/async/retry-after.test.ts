import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const headers = (init: Record<string, string>): Headers => new Headers(init);

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores anything else', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '2' }))).toBe(2_000);
    expect(parseRetryAfter(headers({ 'retry-after': '0.5' }))).toBe(500);
    expect(parseRetryAfter(headers({}))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': '' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': '-3' }))).toBeUndefined();
    expect(parseRetryAfter(headers({ 'retry-after': new Date(0).toUTCString() }))).toBe(0);
    const later = parseRetryAfter(
      headers({ 'retry-after': new Date(Date.now() + 120_000).toUTCString() }),
    );
    expect(later).toBeGreaterThan(100_000);
    expect(later).toBeLessThanOrEqual(120_000);
  });

  it('prefers a valid retry-after-ms', () => {
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(parseRetryAfter(headers({ 'retry-after-ms': 'x', 'retry-after': '9' }))).toBe(9_000);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '-1' }))).toBeUndefined();
  });
});
