import { describe, expect, it } from 'vitest';
import type { Subscriber } from 'rxjs';
import type { Event } from '@ferrite/core';
import { Halted } from './halted.js';
import { Invocation } from './invocation.js';
import type { RunRequest, RunnerParts } from './run-request.js';

function invocation(): Invocation {
  return new Invocation(
    {} as RunnerParts,
    { runConfig: {} } as RunRequest,
    {} as Subscriber<Event>,
  );
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

describe('Invocation.guard', () => {
  it('returns a value that is not a promise as it is', () => {
    const run = invocation();
    const value = { answer: 42 };
    expect(run.guard(value)).toBe(value);
    expect(run.guard(undefined)).toBeUndefined();
  });

  it("settles with the guarded promise's value or error", async () => {
    const run = invocation();
    await expect(run.guard(Promise.resolve('stored'))).resolves.toBe('stored');
    const failure = new Error('store down');
    await expect(run.guard(Promise.reject(failure))).rejects.toBe(failure);
  });

  it('rejects every pending guarded await with Halted when stopped, one alone or several at once', async () => {
    const alone = invocation();
    const single = alone.guard(never());
    alone.cancel();
    await expect(single).rejects.toBeInstanceOf(Halted);

    const parallel = invocation();
    const settled = parallel.guard(Promise.resolve('done'));
    const pending = [parallel.guard(never()), parallel.guard(never()), parallel.guard(never())];
    await expect(settled).resolves.toBe('done');
    const fourth = parallel.guard(never());
    parallel.interrupt();
    for (const waiting of [...pending, fourth])
      await expect(waiting).rejects.toBeInstanceOf(Halted);
  });

  it('rejects the guarded awaits left pending after others settled', async () => {
    const run = invocation();
    let release!: (value: string) => void;
    const first = run.guard(new Promise<string>((resolve) => (release = resolve)));
    const second = run.guard(never());
    release('first');
    await expect(first).resolves.toBe('first');
    const third = run.guard(never());
    run.trip(new Error('guard tripped'));
    await expect(second).rejects.toBeInstanceOf(Halted);
    await expect(third).rejects.toBeInstanceOf(Halted);
  });

  it('throws Halted at once when guarding after the stop', () => {
    const run = invocation();
    run.cancel();
    expect(() => run.guard(Promise.resolve(1))).toThrow(Halted);
    expect(() => run.guard(1)).toThrow(Halted);
  });
});
