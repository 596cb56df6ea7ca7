import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** Bad ids, names, filenames, an empty message or bad configuration (`invalid_argument`). */
export class InvalidArgumentError extends FerriteError {
  static override readonly code = 'invalid_argument';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
