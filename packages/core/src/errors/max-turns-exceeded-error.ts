import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A run made more model calls than `maxTurns` allows (`run.max_turns`). */
export class MaxTurnsExceededError extends FerriteError {
  static override readonly code = 'run.max_turns';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
