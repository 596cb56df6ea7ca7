import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleTimeout } from './idle-timeout.js';

describe('IdleTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with onTimeout() after timeoutMs without a touch; each touch starts the wait again', () => {
    const timeout = new IdleTimeout(100, undefined, () => new Error('no answer within 100 ms'));
    timeout.touch();
    vi.advanceTimersByTime(99);
    timeout.touch();
    vi.advanceTimersByTime(99);
    expect(timeout.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(timeout.signal.aborted).toBe(true);
    expect(timeout.timedOut).toBe(true);
    expect((timeout.signal.reason as Error).message).toBe('no answer within 100 ms');
  });

  it('does not count while paused', () => {
    const timeout = new IdleTimeout(100, undefined, () => new Error('late'));
    timeout.touch();
    timeout.pause();
    vi.advanceTimersByTime(1_000);
    expect(timeout.signal.aborted).toBe(false);
    timeout.dispose();
  });

  it("follows the parent's abort with the parent's reason, which is no timeout", () => {
    const parent = new AbortController();
    const timeout = new IdleTimeout(100, parent.signal, () => new Error('late'));
    timeout.touch();
    parent.abort(new Error('cancelled'));
    expect(timeout.signal.aborted).toBe(true);
    expect(timeout.timedOut).toBe(false);
    expect((timeout.signal.reason as Error).message).toBe('cancelled');
    timeout.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose clears the timer and aborts the signal, so an open body is released', () => {
    const timeout = new IdleTimeout(100, undefined, () => new Error('late'));
    timeout.touch();
    timeout.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(timeout.signal.aborted).toBe(true);
    expect(timeout.timedOut).toBe(false);
    timeout.touch();
    expect(vi.getTimerCount()).toBe(0);
  });
});
