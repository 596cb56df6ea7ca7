import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { DEFAULT_RUN_CONFIG, resolveRunConfig, type RunConfig } from './run-config.js';

describe('resolveRunConfig', () => {
  it('fills the defaults of SPEC §7 and leaves the guards off', () => {
    const resolved = resolveRunConfig();
    expect(resolved).toEqual({
      streamingMode: 'sse',
      maxTurns: 10,
      maxTransfers: 10,
      memoryTopK: 5,
      concurrency: 'queue',
      autoCreateSession: true,
    });
    expect(resolved).not.toHaveProperty('maxDurationMs');
    expect(resolved).not.toHaveProperty('outputCharLimit');
    expect(resolved).not.toHaveProperty('historyLimit');
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RUN_CONFIG)).toBe(true);
  });

  it('merges per key, later configs winning, undefined values overriding nothing', () => {
    const runner: RunConfig = { maxTurns: 3, streamingMode: 'none', outputCharLimit: 100 };
    const perRun: RunConfig = { maxTurns: 5, streamingMode: undefined, historyLimit: 20 };
    expect(resolveRunConfig(runner, undefined, perRun)).toMatchObject({
      maxTurns: 5,
      streamingMode: 'none',
      outputCharLimit: 100,
      historyLimit: 20,
      maxTransfers: 10,
    });
    expect(runner).toEqual({ maxTurns: 3, streamingMode: 'none', outputCharLimit: 100 });
  });

  it('accepts 0 for the counters (a run with no model call allowed)', () => {
    expect(resolveRunConfig({ maxTurns: 0, historyLimit: 0 })).toMatchObject({
      maxTurns: 0,
      historyLimit: 0,
    });
  });

  it.each<RunConfig>([
    { streamingMode: 'fast' as never },
    { concurrency: 'drop' as never },
    { maxTurns: -1 },
    { maxTransfers: 1.5 },
    { historyLimit: Number.NaN },
    { memoryTopK: '5' as never },
    { outputCharLimit: -10 },
    { maxDurationMs: 0 },
    { maxDurationMs: Number.NaN },
  ])('rejects %j with InvalidArgumentError', (config) => {
    expect(() => resolveRunConfig(config)).toThrow(InvalidArgumentError);
  });
});
