import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@ferrite/core';
import { frozenJsonCopy } from './frozen-json-copy.js';

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
  ])('matches JSON round-tripping for %s', (_, value) => {
    expect(frozenJsonCopy(value, 'value')).toEqual(JSON.parse(JSON.stringify(value)));
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

  it('rejects cycles and BigInt with InvalidArgumentError naming the value', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { back: cyclic };
    expect(() => frozenJsonCopy(cyclic, 'event e1')).toThrow(InvalidArgumentError);
    expect(() => frozenJsonCopy(cyclic, 'event e1')).toThrow(/event e1.*circular/);
    expect(() => frozenJsonCopy({ n: 1n }, 'state')).toThrow(InvalidArgumentError);
    expect(() => frozenJsonCopy(() => 1, 'state')).toThrow(InvalidArgumentError);
  });
});
