import { describe, expect, it } from 'vitest';
import { mergeState, scopeOf, splitStateDelta, withoutTempKeys } from '../index.js';

describe('state scopes', () => {
  it('classifies keys by prefix', () => {
    expect(['app:a', 'user:b', 'temp:c', 'd', 'application'].map(scopeOf)).toEqual([
      'app',
      'user',
      'temp',
      'session',
      'session',
    ]);
  });

  it('splits a delta into tiers and drops temp keys', () => {
    expect(
      splitStateDelta({ 'app:theme': 'dark', 'user:name': 'Ana', 'temp:x': 1, count: 2 }),
    ).toEqual({
      app: { 'app:theme': 'dark' },
      user: { 'user:name': 'Ana' },
      session: { count: 2 },
    });
  });

  it('removes temp keys without copying a delta that has none', () => {
    const plain = { a: 1 };
    expect(withoutTempKeys(plain)).toBe(plain);
    expect(withoutTempKeys({ a: 1, 'temp:b': 2 })).toEqual({ a: 1 });
  });

  it('merges tiers into one view', () => {
    expect(mergeState({ app: { 'app:x': 1 }, user: { 'user:y': 2 }, session: { z: 3 } })).toEqual({
      'app:x': 1,
      'user:y': 2,
      z: 3,
    });
  });
});
