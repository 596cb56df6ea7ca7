import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/**
 * A queued run lost its worker (the process died or stopped renewing its claim on the job), or
 * the queue lost the run (`run.worker_lost`, HTTP 503). The turn is not run again: turns run at
 * most once, so the caller decides whether to send the message anew.
 */
export class WorkerLostError extends FerriteError {
  static override readonly code = 'run.worker_lost';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
