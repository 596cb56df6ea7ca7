import { describe, expect, it } from 'vitest';
import { TurnLock } from './turn-lock.js';

describe('TurnLock', () => {
  it('grants in arrival order and lets an aborted waiter leave the line', async () => {
    const lock = new TurnLock();
    const order: string[] = [];
    const first = await lock.acquire(new AbortController().signal);
    const leaving = new AbortController();
    const second = lock.acquire(leaving.signal);
    const third = lock.acquire(new AbortController().signal).then((release) => {
      order.push('third');
      return release;
    });
    leaving.abort(new Error('gave up'));
    await expect(second).rejects.toThrow('gave up');
    order.push('first done');
    first();
    (await third)();
    expect(order).toEqual(['first done', 'third']);
    // Free again: acquiring does not wait.
    (await lock.acquire(new AbortController().signal))();
  });

  it('ignores a second release', async () => {
    const lock = new TurnLock();
    const release = await lock.acquire(new AbortController().signal);
    release();
    const again = await lock.acquire(new AbortController().signal);
    release();
    let granted = false;
    void lock.acquire(new AbortController().signal).then(() => (granted = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(granted).toBe(false);
    again();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(granted).toBe(true);
  });
});
