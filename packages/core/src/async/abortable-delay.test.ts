import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isAbortError } from '../errors/to-ferrite-error.js';
import { abortableDelay } from './abortable-delay.js';

describe('abortableDelay', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves once the delay has passed, not before', async () => {
    let done = false;
    const delay = abortableDelay(1_000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await delay;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason, at once or when the signal aborts, and clears its timer', async () => {
    const controller = new AbortController();
    const pending = abortableDelay(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    expect(vi.getTimerCount()).toBe(0);
    await expect(abortableDelay(10, controller.signal)).rejects.toThrow('cancelled');
  });

  it('rejects with an AbortError for a plain abort()', async () => {
    const controller = new AbortController();
    const pending = abortableDelay(60_000, controller.signal);
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
  });
});

describe('isAbortError', () => {
  it('matches AbortError by name or code, nothing else', () => {
    expect(isAbortError(new DOMException('aborted', 'AbortError'))).toBe(true);
    expect(isAbortError(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(true);
    expect(isAbortError(Object.assign(new Error('x'), { code: 'ABORT_ERR' }))).toBe(true);
    expect(isAbortError(new Error('AbortError'))).toBe(false);
    expect(isAbortError(null)).toBe(false);
    expect(isAbortError('AbortError')).toBe(false);
  });
});
