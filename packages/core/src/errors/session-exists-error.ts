import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A session was created with an id that already exists (`session.exists`). */
export class SessionExistsError extends FerriteError {
  static override readonly code = 'session.exists';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
