import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** An operation that needs a session found none (`session.not_found`). */
export class SessionNotFoundError extends FerriteError {
  static override readonly code = 'session.not_found';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
