import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A run produced more text than `outputCharLimit` allows (`run.output_limit`). */
export class OutputLimitError extends FerriteError {
  static override readonly code = 'run.output_limit';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
