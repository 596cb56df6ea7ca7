import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A run outlived `maxDurationMs` (`run.timeout`). */
export class RunTimeoutError extends FerriteError {
  static override readonly code = 'run.timeout';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
