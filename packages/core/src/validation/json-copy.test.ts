import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { frozenJsonCopy, jsonCopy } from './json-copy.js';

describe('frozenJsonCopy', () => {
  it.each([
    ['nested records and arrays', { a: [1, 'two', { three: true }], b: { c: null } }],
    [
      'values JSON drops or rewrites',
      { u: undefined, f: () => 1, n: Number.NaN, i: -Infinity, arr: [undefined, () => 2] },
    ],
    [
      'toJSON and boxed primitives',
      { when: new Date(0), boxed: new String('s'), num: new Number(4) },
    ],
    ['maps and sets as JSON sees them', { map: new Map([[1, 2]]), set: new Set([1]) }],
    [
      'null prototypes, getters and integer-like keys',
      {
        bare: Object.assign(Object.create(null) as object, { b: 2, a: 1 }),
        get computed() {
          return { n: 3 };
        },
        10: 'ten',
        2: 'two',
        nested: { deeper: { list: [{ x: undefined, y: 1 }] } },
      },
    ],
  ])('matches JSON round-tripping for %s', (_, value) => {
    expect(frozenJsonCopy(value, 'value')).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('drops symbol keys, undefined and function values like JSON, keeping key order', () => {
    const copy = frozenJsonCopy(
      { [Symbol('s')]: 1, a: undefined, b: () => 1, c: 1, d: { [Symbol('t')]: 2 } },
      'value',
    ) as Record<string | symbol, unknown>;
    expect(Object.getOwnPropertySymbols(copy)).toEqual([]);
    expect(Object.getOwnPropertySymbols(copy.d as object)).toEqual([]);
    expect(Reflect.ownKeys(copy)).toEqual(['c', 'd']);
    expect(Object.isFrozen(copy) && Object.isFrozen(copy.d)).toBe(true);
    expect(JSON.stringify(frozenJsonCopy({ 2: 'b', z: 1, 1: 'a' }, 'value'))).toBe(
      JSON.stringify({ 2: 'b', z: 1, 1: 'a' }),
    );
  });

  it('freezes every level and shares nothing with the input', () => {
    const input = { list: [{ deep: { x: 1 } }] };
    const copy = frozenJsonCopy(input, 'value');
    expect(
      Object.isFrozen(copy) && Object.isFrozen(copy.list) && Object.isFrozen(copy.list[0]!.deep),
    ).toBe(true);
    input.list[0]!.deep.x = 2;
    expect(copy.list[0]!.deep.x).toBe(1);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(frozenJsonCopy({ a: shared, b: shared }, 'value')).toEqual({ a: { k: 1 }, b: { k: 1 } });
  });

  it('reuses its ancestors stack safely when a toJSON stores something while a copy runs', () => {
    const inner = { toJSON: () => frozenJsonCopy({ nested: [1, { deep: true }] }, 'inner') };
    const shared = { k: 1 };
    const copy = frozenJsonCopy({ a: shared, inner, b: [shared, shared] }, 'value');
    expect(copy).toEqual({
      a: { k: 1 },
      inner: { nested: [1, { deep: true }] },
      b: [{ k: 1 }, { k: 1 }],
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => frozenJsonCopy(cyclic, 'event e1')).toThrow(/circular/);
    // A failed copy leaves no ancestors behind to be taken for cycles in the next one.
    expect(frozenJsonCopy({ again: shared, list: [shared] }, 'value')).toEqual({
      again: { k: 1 },
      list: [{ k: 1 }],
    });
  });

  it('gives every empty record as one frozen object, still a JSON-equal copy', () => {
    const copy = frozenJsonCopy({ stateDelta: {}, artifactDelta: {}, list: [{}] }, 'value');
    expect(copy).toEqual({ stateDelta: {}, artifactDelta: {}, list: [{}] });
    expect(copy.stateDelta).toBe(copy.artifactDelta);
    expect(Object.isFrozen(copy.stateDelta)).toBe(true);
  });

  it('keeps an own __proto__ key as a key, never as the prototype of the copy', () => {
    const hostile = JSON.parse('{"content":{"__proto__":{"polluted":true},"text":"hi"}}') as {
      content: Record<string, unknown>;
    };
    const copy = frozenJsonCopy(hostile, 'event e1');
    expect(Object.getPrototypeOf(copy.content)).toBe(Object.prototype);
    expect((copy.content as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(copy.content)).toEqual(['__proto__', 'text']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(hostile));
  });

  it('rejects cycles and BigInt with InvalidArgumentError naming the value', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { back: cyclic };
    expect(() => frozenJsonCopy(cyclic, 'event e1')).toThrow(InvalidArgumentError);
    expect(() => frozenJsonCopy(cyclic, 'event e1')).toThrow(/event e1.*circular/);
    expect(() => frozenJsonCopy({ n: 1n }, 'state')).toThrow(InvalidArgumentError);
    expect(() => frozenJsonCopy(() => 1, 'state')).toThrow(InvalidArgumentError);
  });
});

describe('jsonCopy', () => {
  it('gives what a JSON round trip gives, as fresh objects that are not frozen', () => {
    const date = new Date(0);
    const value = {
      n: 1,
      s: 'x',
      nested: { list: [1, undefined, () => 1, { k: NaN }], empty: {} },
      date,
      gone: undefined,
    };
    const copy = jsonCopy(value, 'result');
    expect(copy).toStrictEqual(JSON.parse(JSON.stringify(value)));
    expect(Object.isFrozen(copy)).toBe(false);
    expect(Object.isFrozen(copy.nested.empty)).toBe(false);
    expect(copy.nested).not.toBe(value.nested);
    copy.nested.empty = { changed: true };
    expect(value.nested.empty).toEqual({});
    expect(() => jsonCopy({ n: 1n }, 'result')).toThrow(InvalidArgumentError);
  });
});
