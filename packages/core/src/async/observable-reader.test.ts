import { describe, expect, it } from 'vitest';
import { Observable, Subject, interval, map, take } from 'rxjs';
import { InternalError } from '../errors/internal-error.js';
import { ObservableReader, observableToAsyncIterable } from './observable-reader.js';

/** An Observable that counts its subscriptions and teardowns. */
function tracked<T>(
  produce: (subscriber: {
    next(value: T): void;
    error(e: unknown): void;
    complete(): void;
  }) => void,
) {
  const counts = { subscribed: 0, tornDown: 0 };
  const observable = new Observable<T>((subscriber) => {
    counts.subscribed += 1;
    produce(subscriber);
    return () => {
      counts.tornDown += 1;
    };
  });
  return { observable, counts };
}

async function readAll<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const values: T[] = [];
  for await (const value of iterable) values.push(value);
  return values;
}

describe('ObservableReader', () => {
  it('delivers values in order, those emitted while subscribing and those emitted later', async () => {
    const subject = new Subject<number>();
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
      return subject.subscribe(subscriber);
    });
    const reader = new ObservableReader(source);
    expect(await reader.next()).toEqual({ done: false, value: 1 });
    const pending = reader.next();
    subject.next(3);
    subject.next(4);
    subject.complete();
    expect(await pending).toEqual({ done: false, value: 2 });
    expect(await readAll(reader)).toEqual([3, 4]);
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });

  it('keeps the order through many values read while more arrive (the ring buffer wraps and grows)', async () => {
    const subject = new Subject<number>();
    const reader = new ObservableReader(subject, { highWaterMark: 21 });
    void reader.next().then(() => {}); // subscribes
    const seen: number[] = [];
    let sent = 0;
    // The backlog goes up and down between 0 and 20, so the buffer wraps around and grows.
    for (let round = 0; round < 200; round += 1) {
      for (let index = 0; index < (round % 9) + 1; index += 1) subject.next((sent += 1));
      while (sent - 1 - seen.length > (round * 7) % 13) seen.push((await reader.next()).value!);
    }
    subject.complete();
    seen.push(...(await readAll(reader)));
    // The first value went to the first next() above.
    expect(seen).toEqual(Array.from({ length: sent - 1 }, (_, index) => index + 2));
  });

  it('delivers an error after the values that came before it, then is done', async () => {
    const failure = new Error('source failed');
    const { observable } = tracked<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
      subscriber.error(failure);
    });
    const reader = new ObservableReader(observable);
    expect((await reader.next()).value).toBe(1);
    expect((await reader.next()).value).toBe(2);
    await expect(reader.next()).rejects.toBe(failure);
    expect(await reader.next()).toEqual({ done: true, value: undefined });
  });

  it('rejects a waiting read with an error that arrives later', async () => {
    const subject = new Subject<number>();
    const reader = new ObservableReader(subject);
    const pending = reader.next();
    subject.error(new Error('late'));
    await expect(pending).rejects.toThrow('late');
  });

  it('unsubscribes when a for await loop is left by break or by a throw', async () => {
    const endless = () => tracked<number>(() => {});
    const first = tracked<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
    });
    for await (const value of observableToAsyncIterable(first.observable)) {
      if (value === 1) break;
    }
    expect(first.counts).toEqual({ subscribed: 1, tornDown: 1 });

    const second = tracked<number>((subscriber) => subscriber.next(1));
    await expect(
      (async () => {
        for await (const _ of observableToAsyncIterable(second.observable)) throw new Error('body');
      })(),
    ).rejects.toThrow('body');
    expect(second.counts).toEqual({ subscribed: 1, tornDown: 1 });

    const third = endless();
    const reader = new ObservableReader(third.observable);
    const waiting = reader.next();
    await reader.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(third.counts.tornDown).toBe(1);
  });

  it('subscribes once per loop, and only when the loop starts reading', async () => {
    const source = tracked<number>((subscriber) => {
      subscriber.next(7);
      subscriber.complete();
    });
    const iterable = observableToAsyncIterable(source.observable);
    expect(source.counts.subscribed).toBe(0);
    expect(await readAll(iterable)).toEqual([7]);
    expect(await readAll(iterable)).toEqual([7]);
    expect(source.counts.subscribed).toBe(2);
  });

  it('stops a source that gets more than highWaterMark values ahead, after delivering them', async () => {
    const source = tracked<number>((subscriber) => {
      for (let value = 1; value <= 5; value += 1) subscriber.next(value);
    });
    const reader = new ObservableReader(source.observable, { highWaterMark: 3 });
    expect((await reader.next()).value).toBe(1);
    expect(source.counts.tornDown).toBe(1);
    expect((await reader.next()).value).toBe(2);
    expect((await reader.next()).value).toBe(3);
    const overflow = await reader.next().catch((error: unknown) => error);
    expect(InternalError.isInstance(overflow)).toBe(true);
    expect((overflow as Error).message).toContain('highWaterMark');
    expect(() => new ObservableReader(source.observable, { highWaterMark: 0 })).toThrow(RangeError);
  });

  it('stops on abort: the waiting read rejects with the reason and the source is unsubscribed', async () => {
    const controller = new AbortController();
    const source = tracked<number>((subscriber) => subscriber.next(1));
    const reader = new ObservableReader(source.observable, { signal: controller.signal });
    expect((await reader.next()).value).toBe(1);
    const waiting = reader.next();
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    expect(source.counts.tornDown).toBe(1);
    expect(await reader.next()).toEqual({ done: true, value: undefined });

    const before = tracked<number>((subscriber) => subscriber.next(1));
    const aborted = AbortSignal.abort(new Error('too late'));
    await expect(
      new ObservableReader(before.observable, { signal: aborted }).next(),
    ).rejects.toThrow('too late');
    expect(before.counts.subscribed).toBe(0);
  });

  it('drops values that waited when aborted between reads', async () => {
    const controller = new AbortController();
    const source = interval(1).pipe(
      take(3),
      map((value) => value + 1),
    );
    const reader = new ObservableReader(source, { signal: controller.signal });
    expect((await reader.next()).value).toBe(1);
    controller.abort(new Error('stop'));
    await expect(reader.next()).rejects.toThrow('stop');
  });
});
