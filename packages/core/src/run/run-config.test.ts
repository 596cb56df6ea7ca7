import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { DEFAULT_RUN_CONFIG, resolveRunConfig, type RunConfig } from './run-config.js';

/**
 * The defaults as `RunConfig`'s TSDoc states them ("default 10", "Default `'sse'`"), read from
 * the source: the documentation is where they are written down for users.
 */
function documentedDefaults(): Map<string, unknown> {
  const source = readFileSync(new URL('./run-config.ts', import.meta.url), 'utf8');
  const body = /export interface RunConfig \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  const defaults = new Map<string, unknown>();
  for (const [, doc = '', key = ''] of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\?:/g)) {
    const match = /\bdefault (?:`'([^']*)'`|(\d+)\b|(true|false)\b)/i.exec(doc);
    if (!match) continue;
    const [, text, number, flag] = match;
    defaults.set(key, text ?? (number === undefined ? flag === 'true' : Number(number)));
  }
  return defaults;
}

describe('resolveRunConfig', () => {
  it('fills exactly the defaults RunConfig documents, and leaves the guards off', () => {
    const documented = documentedDefaults();
    expect(documented.size).toBeGreaterThan(0);
    const resolved = resolveRunConfig({});
    for (const [key, value] of Object.entries(resolved)) {
      expect({ key, value }).toEqual({ key, value: documented.get(key) });
    }
    // A documented default is either filled in here or applied where the setting is read.
    const appliedWhereRead = [...documented.keys()].filter((key) => !(key in resolved));
    expect(appliedWhereRead).toEqual(['longRunning']);
    expect(resolveRunConfig()).toEqual(resolved);
    expect(resolved).not.toHaveProperty('maxDurationMs');
    expect(resolved).not.toHaveProperty('outputCharLimit');
    expect(resolved).not.toHaveProperty('historyLimit');
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RUN_CONFIG)).toBe(true);
  });

  it('lets a value given for each defaulted key win, and undefined override nothing', () => {
    const defaults = resolveRunConfig();
    const others: RunConfig = {
      streamingMode: 'none',
      maxTurns: 3,
      maxTransfers: 0,
      memoryTopK: 1,
      concurrency: 'reject',
      autoCreateSession: false,
    };
    for (const [key, value] of Object.entries(others)) {
      expect(value).not.toEqual(defaults[key as keyof RunConfig]);
      expect(resolveRunConfig({ [key]: value })[key as keyof RunConfig]).toEqual(value);
      expect(
        resolveRunConfig({ [key]: value }, { [key]: undefined })[key as keyof RunConfig],
      ).toEqual(value);
    }
    expect(Object.keys(others).sort()).toEqual(Object.keys(defaults).sort());
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
