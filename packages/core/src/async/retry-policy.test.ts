import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { RetryPolicy, type RetryAttempt } from './retry-policy.js';

/** A failure as an HTTP client reports it: a status, and a Retry-After when the server sent one. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}`);
  }
}

/** An operation that fails with `failures` in turn, then resolves with 'done'; counts attempts. */
function scripted(failures: HttpFailure[]) {
  const attempts: number[] = [];
  const operation = (attempt: RetryAttempt): Promise<string> => {
    attempts.push(attempt.retry);
    const failure = failures[attempt.retry];
    if (!failure) return Promise.resolve('done');
    attempt.retryAfterMs = failure.retryAfterMs;
    return Promise.reject(failure);
  };
  return { attempts, operation };
}

const retryableBy = (policy: RetryPolicy) => ({
  isRetryable: (error: unknown) =>
    error instanceof HttpFailure && policy.retriesStatus(error.status),
});

describe('RetryPolicy.delayFor', () => {
  it('grows from initialDelayMs by factor, spreads by jitter and stops at maxDelayMs', () => {
    const policy = new RetryPolicy({
      initialDelayMs: 100,
      factor: 3,
      maxDelayMs: 1_000,
      jitter: 0.5,
    });
    expect(policy.delayFor(0, undefined, () => 0.5)).toBe(100);
    expect(policy.delayFor(1, undefined, () => 0.5)).toBe(300);
    expect(policy.delayFor(1, undefined, () => 0)).toBe(150);
    expect(policy.delayFor(1, undefined, () => 0.999_999)).toBeCloseTo(450, 3);
    expect(policy.delayFor(2, undefined, () => 0.5)).toBe(900);
    expect(policy.delayFor(3, undefined, () => 0.5)).toBe(1_000);
    expect(policy.delayFor(3, undefined, () => 0.999_999)).toBe(1_000);
  });

  it('waits what Retry-After asks, unspread, and gives up when it asks for more than maxDelayMs', () => {
    const policy = new RetryPolicy({ maxDelayMs: 10_000 });
    expect(policy.delayFor(0, 2_000, () => 0)).toBe(2_000);
    expect(policy.delayFor(4, 0, () => 0.9)).toBe(0);
    expect(policy.delayFor(0, 10_000)).toBe(10_000);
    expect(policy.delayFor(0, 10_001)).toBeUndefined();
  });

  it('defaults to 500 ms doubling, ±25 %, at most 60 s, two retries', () => {
    const policy = new RetryPolicy();
    expect(policy).toMatchObject({
      maxRetries: 2,
      initialDelayMs: 500,
      maxDelayMs: 60_000,
      factor: 2,
      jitter: 0.25,
    });
    expect(policy.delayFor(0, undefined, () => 0)).toBe(375);
    expect(policy.delayFor(1, undefined, () => 0.999_999)).toBeCloseTo(1_250, 2);
    expect(policy.delayFor(20, undefined, () => 0.5)).toBe(60_000);
    expect(Object.isFrozen(policy)).toBe(true);
  });
});

describe('RetryPolicy.retriesStatus', () => {
  it('retries 408, 429 and 5xx but 501 and 505 by default; only the listed ones when configured', () => {
    const statuses = [400, 401, 404, 409, 408, 429, 500, 501, 502, 503, 504, 505, 529];
    expect(statuses.filter((status) => new RetryPolicy().retriesStatus(status))).toEqual([
      408, 429, 500, 502, 503, 504, 529,
    ]);
    const listed = new RetryPolicy({ statusCodes: [409, 503] });
    expect(statuses.filter((status) => listed.retriesStatus(status))).toEqual([409, 503]);
  });
});

describe('RetryPolicy.run', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the backoff before each retry, no less, and resolves with the result', async () => {
    const policy = new RetryPolicy({ initialDelayMs: 100, jitter: 0 });
    const { attempts, operation } = scripted([new HttpFailure(503), new HttpFailure(500)]);
    const result = policy.run(operation, retryableBy(policy));
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(99);
    expect(attempts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(199);
    expect(attempts).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([0, 1, 2]);
    await expect(result).resolves.toBe('done');
  });

  it('waits what Retry-After asks for instead of the backoff', async () => {
    const policy = new RetryPolicy({ initialDelayMs: 10, jitter: 0 });
    const { attempts, operation } = scripted([new HttpFailure(429, 5_000)]);
    const result = policy.run(operation, retryableBy(policy));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(attempts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([0, 1]);
    await expect(result).resolves.toBe('done');
  });

  it('gives up at once, with that error, when Retry-After asks for more than maxDelayMs', async () => {
    const policy = new RetryPolicy({ maxDelayMs: 60_000 });
    const tooLong = new HttpFailure(429, 3_600_000);
    const { attempts, operation } = scripted([tooLong]);
    await expect(policy.run(operation, retryableBy(policy))).rejects.toBe(tooLong);
    expect(attempts).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not retry a 400', async () => {
    const policy = new RetryPolicy({ initialDelayMs: 1 });
    const badRequest = new HttpFailure(400);
    const { attempts, operation } = scripted([badRequest]);
    await expect(policy.run(operation, retryableBy(policy))).rejects.toBe(badRequest);
    expect(attempts).toEqual([0]);
  });

  it('makes maxRetries + 1 attempts and rejects with the last error as thrown', async () => {
    const policy = new RetryPolicy({ maxRetries: 3, initialDelayMs: 1, maxDelayMs: 1 });
    const failures = [500, 502, 503, 504].map((status) => new HttpFailure(status));
    const { attempts, operation } = scripted(failures);
    const result = policy.run(operation, retryableBy(policy)).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    expect(await result).toBe(failures[3]);
    expect(attempts).toEqual([0, 1, 2, 3]);
    const none = scripted([new HttpFailure(503)]);
    const once = new RetryPolicy({ maxRetries: 0 });
    await expect(once.run(none.operation, retryableBy(once))).rejects.toMatchObject({
      status: 503,
    });
    expect(none.attempts).toEqual([0]);
  });

  it('stops at once when the signal aborts during a backoff, and makes no further attempt', async () => {
    const policy = new RetryPolicy({ initialDelayMs: 60_000, jitter: 0 });
    const { attempts, operation } = scripted([new HttpFailure(503)]);
    const controller = new AbortController();
    const result = policy
      .run(operation, { signal: controller.signal, ...retryableBy(policy) })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('user cancelled');
    controller.abort(reason);
    // No timer is advanced: the rejection cannot come from the backoff running out.
    expect(await result).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(attempts).toEqual([0]);
  });

  it('rejects with the abort reason, not the attempt error, when the signal aborts mid-attempt', async () => {
    const policy = new RetryPolicy({ initialDelayMs: 1 });
    const controller = new AbortController();
    let attempts = 0;
    const result = policy.run(
      (attempt) => {
        attempts += 1;
        expect(attempt.retry).toBe(0);
        controller.abort(new Error('stop'));
        return Promise.reject(new HttpFailure(503));
      },
      { signal: controller.signal, ...retryableBy(policy) },
    );
    await expect(result).rejects.toThrow('stop');
    expect(attempts).toBe(1);
    await expect(
      policy.run(() => Promise.resolve('never'), {
        signal: controller.signal,
        isRetryable: () => true,
      }),
    ).rejects.toThrow('stop');
  });
});

describe('RetryPolicy options', () => {
  it('refuses bad values with an InvalidArgumentError naming the client', () => {
    const bad = [
      { maxRetries: -1 },
      { maxRetries: 1.5 },
      { initialDelayMs: -1 },
      { initialDelayMs: 1_000, maxDelayMs: 10 },
      { maxDelayMs: 2 ** 31 },
      { factor: 0.5 },
      { jitter: 2 },
      { statusCodes: [99] },
    ];
    for (const options of bad) {
      expect(() => new RetryPolicy(options, 'TestClient retry'), JSON.stringify(options)).toThrow(
        InvalidArgumentError,
      );
    }
    expect(() => new RetryPolicy({ factor: Number.NaN }, 'TestClient retry')).toThrow(
      /^TestClient retry: factor/,
    );
  });
});
