import { describe, expect, it } from 'vitest';
import {
  ERROR_STATUS,
  GuardrailError,
  InputGuardrailTripwireError,
  InvalidArgumentError,
  OutputGuardrailTripwireError,
  OutputValidationError,
  PluginError,
  callPluginHook,
  resolveRunConfig,
} from '../index.js';

describe('run-wide settings and guardrails in resolveRunConfig', () => {
  it('accepts them and refuses values of the wrong kind', () => {
    const model = { name: 'm', generate: async function* () {} };
    const filter = () => [];
    const resolved = resolveRunConfig(
      { model, modelSettings: { temperature: 0 } },
      { transferInputFilter: filter, inputGuardrails: [], outputGuardrails: [] },
    );
    expect(resolved.model).toBe(model);
    expect(resolved.transferInputFilter).toBe(filter);
    expect(() => resolveRunConfig({ model: {} as never })).toThrow(InvalidArgumentError);
    expect(() => resolveRunConfig({ modelSettings: [] as never })).toThrow(InvalidArgumentError);
    expect(() => resolveRunConfig({ transferInputFilter: 1 as never })).toThrow(
      InvalidArgumentError,
    );
    expect(() => resolveRunConfig({ inputGuardrails: [{ name: 'x' }] as never })).toThrow(
      /inputGuardrails\[0\]/,
    );
  });
});

describe('the error classes of callbacks, structured output and guardrails', () => {
  it('carry their codes, statuses and details', () => {
    const trip = new InputGuardrailTripwireError('g', { outputInfo: { why: 1 } });
    expect([trip.code, ERROR_STATUS[trip.code], trip.guardrailName, trip.outputInfo]).toEqual([
      'guardrail.input_tripwire',
      422,
      'g',
      { why: 1 },
    ]);
    expect(ERROR_STATUS[new OutputGuardrailTripwireError('g').code]).toBe(500);
    expect(ERROR_STATUS[new GuardrailError('g', 'x').code]).toBe(500);
    expect(new OutputValidationError('a', 'bad').code).toBe('model.output_invalid');
    expect(ERROR_STATUS['model.output_invalid']).toBe(500);
    expect(PluginError.isInstance(new PluginError('p', 'onEvent', { cause: new Error('x') }))).toBe(
      true,
    );
  });

  it('callPluginHook types a plugin failure and passes a Ferrite error through', async () => {
    const plugin = { name: 'p' };
    await expect(
      callPluginHook(plugin, 'beforeRun', () => Promise.reject(new Error('down'))),
    ).rejects.toMatchObject({ code: 'plugin.error', pluginName: 'p', hook: 'beforeRun' });
    const own = new InvalidArgumentError('nope');
    await expect(
      callPluginHook(plugin, 'beforeRun', () => {
        throw own;
      }),
    ).rejects.toBe(own);
    expect(await callPluginHook(plugin, 'beforeRun', () => 5)).toBe(5);
  });
});
