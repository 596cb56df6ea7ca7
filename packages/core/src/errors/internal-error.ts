import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** Anything else, wrapped; the original error is in `cause` (`internal`). */
export class InternalError extends FerriteError {
  static override readonly code = 'internal';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
