import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { toolBatch } from './tool-batch.js';

describe('toolBatch', () => {
  it('gives a single call the run signal itself and settles its outcome', async () => {
    const run = new AbortController();
    const batch = toolBatch(run, 1);
    expect(batch.signal).toBe(run.signal);
    const failure = new Error('boom');
    expect(await batch.settle([batch.watch(Promise.reject(failure))])).toEqual([
      { status: 'rejected', reason: failure },
    ]);
    expect(await batch.settle([batch.watch(Promise.resolve(7))])).toEqual([
      { status: 'fulfilled', value: 7 },
    ]);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it('aborts the other calls when one fails, and leaves no listener on the run signal', async () => {
    const run = new AbortController();
    const batch = toolBatch(run, 2);
    expect(batch.signal).not.toBe(run.signal);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
    const failure = new Error('boom');
    const sibling = new Promise<string>((resolve) => {
      batch.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    const settled = await batch.settle([
      batch.watch(Promise.reject(failure)),
      batch.watch(sibling),
    ]);
    expect(settled).toEqual([
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 'stopped' },
    ]);
    expect(batch.signal.reason).toBe(failure);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
    expect(run.signal.aborted).toBe(false);
  });

  it('follows the run signal while the calls run, also when it was aborted before', async () => {
    const run = new AbortController();
    const batch = toolBatch(run, 3);
    const reason = new Error('cancelled');
    run.abort(reason);
    expect(batch.signal.reason).toBe(reason);
    const early = new AbortController();
    early.abort(reason);
    expect(toolBatch(early, 2).signal.aborted).toBe(true);
    await batch.settle([]);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});
