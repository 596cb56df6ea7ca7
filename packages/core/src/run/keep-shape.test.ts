import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ShapeKeeper } from './keep-shape.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full collection, after a macrotask (a WeakRef made in this job keeps its target until it ends). */
async function collect(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}

class Kept {}

describe('ShapeKeeper', () => {
  it('holds the newest object through a full collection, and only that one', async () => {
    const keeper = new ShapeKeeper<Kept>();
    const first = new WeakRef(new Kept());
    keeper.keep(first.deref()!);
    const unkept = new WeakRef(new Kept());
    await collect();
    expect(first.deref()).toBeInstanceOf(Kept);
    expect(unkept.deref()).toBeUndefined();

    const second = new WeakRef(new Kept());
    keeper.keep(second.deref()!);
    await collect();
    expect(first.deref()).toBeUndefined();
    expect(keeper.newest).toBe(second.deref());
  });

  it('lives on when nothing refers to the keeper itself', async () => {
    const kept = new WeakRef(new Kept());
    new ShapeKeeper<Kept>().keep(kept.deref()!);
    await collect();
    expect(kept.deref()).toBeInstanceOf(Kept);
  });

  it('keeps one object per keeper', async () => {
    const kept = new ShapeKeeper<Kept>();
    const other = new ShapeKeeper<Kept>();
    const one = new WeakRef(new Kept());
    const two = new WeakRef(new Kept());
    kept.keep(one.deref()!);
    other.keep(two.deref()!);
    await collect();
    expect(kept.newest).toBe(one.deref());
    expect(other.newest).toBe(two.deref());
    expect(one.deref()).toBeInstanceOf(Kept);
  });
});
