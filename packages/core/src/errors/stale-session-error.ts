import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** An append carried an outdated session `revision`; nothing was written (`session.stale`). */
export class StaleSessionError extends FerriteError {
  static override readonly code = 'session.stale';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
