import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { RunConfig } from './run-config.js';

function checkNamedList(list: unknown, key: string): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new InvalidArgumentError(`runConfig.${key} must be an array`);
  list.forEach((entry: unknown, index) => {
    const candidate = entry as { name?: unknown; execute?: unknown } | null;
    if (
      typeof candidate !== 'object' ||
      candidate === null ||
      typeof candidate.name !== 'string' ||
      candidate.name === '' ||
      typeof candidate.execute !== 'function'
    ) {
      throw new InvalidArgumentError(
        `runConfig.${key}[${index}] must be a guardrail with a name and an execute function`,
      );
    }
  });
}

/**
 * Checks the run-wide model settings and guardrails of a merged run config (`model`,
 * `modelSettings`, `transferInputFilter`, `inputGuardrails`, `outputGuardrails`).
 */
export function validateRunSettings(config: RunConfig): void {
  const model = config.model as { generate?: unknown } | undefined;
  if (model !== undefined && (typeof model !== 'object' || typeof model.generate !== 'function')) {
    throw new InvalidArgumentError('runConfig.model must be a Model');
  }
  const settings = config.modelSettings;
  if (
    settings !== undefined &&
    (typeof settings !== 'object' || settings === null || Array.isArray(settings))
  ) {
    throw new InvalidArgumentError('runConfig.modelSettings must be an object');
  }
  if (
    config.transferInputFilter !== undefined &&
    typeof config.transferInputFilter !== 'function'
  ) {
    throw new InvalidArgumentError('runConfig.transferInputFilter must be a function');
  }
  checkNamedList(config.inputGuardrails, 'inputGuardrails');
  checkNamedList(config.outputGuardrails, 'outputGuardrails');
}
