import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A run was started on a session that is already running, with `concurrency: 'reject'` (`session.busy`). */
export class SessionBusyError extends FerriteError {
  static override readonly code = 'session.busy';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
