import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/**
 * No run with this invocation id is live or recently finished in the session named
 * (`run.not_found`, HTTP 404): it never existed there, or its stream expired.
 */
export class RunNotFoundError extends FerriteError {
  static override readonly code = 'run.not_found';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
