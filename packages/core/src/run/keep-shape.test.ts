import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { keepShape } from './keep-shape.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full collection, after a macrotask (a WeakRef made in this job keeps its target until it ends). */
async function collect(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}

class Kept {}
class Other {}

describe('keepShape', () => {
  it('holds the newest instance of a class through a full collection, and only that one', async () => {
    const first = new WeakRef(new Kept());
    keepShape(Kept, first.deref()!);
    const unkept = new WeakRef(new Kept());
    await collect();
    expect(first.deref()).toBeInstanceOf(Kept);
    expect(unkept.deref()).toBeUndefined();

    const second = new WeakRef(new Kept());
    keepShape(Kept, second.deref()!);
    await collect();
    expect(first.deref()).toBeUndefined();
    expect(second.deref()).toBeInstanceOf(Kept);
  });

  it('holds one instance per class', async () => {
    const kept = new WeakRef(new Kept());
    const other = new WeakRef(new Other());
    keepShape(Kept, kept.deref()!);
    keepShape(Other, other.deref()!);
    await collect();
    expect(kept.deref()).toBeInstanceOf(Kept);
    expect(other.deref()).toBeInstanceOf(Other);
  });
});
