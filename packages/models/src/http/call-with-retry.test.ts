import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RetryPolicy } from '@ferrite/core';
import { callWithRetry, errorMessageOf } from './call-with-retry.js';

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
        transport: {
          headers: {},
          retry: new RetryPolicy({ maxRetries: 2, initialDelayMs: 1 }),
          timeoutMs: 10_000,
          fetch,
        },
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
