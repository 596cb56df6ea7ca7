import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  callWithRetry,
  errorMessageOf,
  isRetryableStatus,
  parseRetryAfter,
} from './call-with-retry.js';

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

describe('callWithRetry', () => {
  it('retries a retryable ModelError made by another copy of core (identity by marker, not class)', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // What a provider package bundling its own copy of core throws: the family's marker and
      // code, but not this copy's ModelError class.
      const foreign = Object.assign(new Error('stream broke'), {
        code: 'model.error',
        retryable: true,
        [Symbol.for('@ferrite/core.error')]: true,
      });
      let reads = 0;
      const items: string[] = [];
      for await (const item of callWithRetry<string>({
        provider: 'test',
        url: `http://127.0.0.1:${port}/`,
        body: {},
        headers: {},
        transport: { headers: {}, maxRetries: 2, timeoutMs: 10_000, retryDelayMs: 1, fetch },
        signal: new AbortController().signal,
        read: async function* (response) {
          await response.text();
          reads += 1;
          if (reads === 1) throw foreign;
          yield 'answer';
        },
      })) {
        items.push(item);
      }
      expect(items).toEqual(['answer']);
      expect(requests).toBe(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
