import { describe, expect, it } from 'vitest';
import { errorMessageOf, isRetryableStatus, parseRetryAfter } from './call-with-retry.js';

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores anything else', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(new Date(0).toUTCString())).toBe(0);
    const later = parseRetryAfter(new Date(Date.now() + 120_000).toUTCString());
    expect(later).toBeGreaterThan(100_000);
    expect(later).toBeLessThanOrEqual(120_000);
  });
});

describe('isRetryableStatus', () => {
  it('retries 408, 429 and 5xx only', () => {
    expect([400, 401, 404, 408, 429, 500, 503].map(isRetryableStatus)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });
});

describe('errorMessageOf', () => {
  it("reads the providers' error bodies", () => {
    expect(errorMessageOf('{"error":{"message":"bad key","code":401}}')).toBe('bad key');
    expect(errorMessageOf('[{"error":{"code":429,"message":"slow down"}}]')).toBe('slow down');
    expect(errorMessageOf('{"error":"plain"}')).toBe('plain');
    expect(errorMessageOf('<html>oops</html>')).toBeUndefined();
  });
});
