import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { resolveRunConfig } from '../run/run-config.js';

describe('RunConfig.tracing', () => {
  it('stays absent when no config sets it', () => {
    expect(resolveRunConfig({ maxTurns: 3 })).not.toHaveProperty('tracing');
  });

  it('merges per key, metadata per key too, and freezes the result', () => {
    const resolved = resolveRunConfig(
      { tracing: { workflowName: 'support', metadata: { team: 'a', tier: 1 } } },
      { maxTurns: 2 },
      { tracing: { includeSensitiveData: true, metadata: { tier: 2, beta: true } } },
    );
    expect(resolved.tracing).toEqual({
      workflowName: 'support',
      includeSensitiveData: true,
      metadata: { team: 'a', tier: 2, beta: true },
    });
    expect(Object.isFrozen(resolved.tracing)).toBe(true);
    expect(Object.isFrozen(resolved.tracing?.metadata)).toBe(true);
  });

  it('refuses bad settings with InvalidArgumentError naming the field', () => {
    const cases: [unknown, RegExp][] = [
      ['on', /tracing must be an object/],
      [{ disabled: 'yes' }, /tracing.disabled must be a boolean/],
      [{ includeSensitiveData: 1 }, /includeSensitiveData must be a boolean/],
      [{ workflowName: '' }, /workflowName/],
      [{ metadata: [] }, /metadata must be an object/],
      [{ metadata: { nested: { a: 1 } } }, /metadata.nested must be a string/],
      [{ metadata: { 'bad key': 1 } }, /metadata key/],
      [{ metadata: { n: Number.NaN } }, /finite number/],
      [{ metadata: { long: 'x'.repeat(1025) } }, /longer than 1024/],
      [
        { metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) },
        /at most 64/,
      ],
    ];
    for (const [tracing, message] of cases) {
      expect(() => resolveRunConfig({ tracing } as never)).toThrow(InvalidArgumentError);
      expect(() => resolveRunConfig({ tracing } as never)).toThrow(message);
    }
  });
});
