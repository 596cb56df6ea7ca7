import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/**
 * A backend the call needs cannot serve it now (`unavailable`, HTTP 503): its server cannot be
 * reached, dropped the connection or is shutting down or starting. Nothing about the request
 * was wrong, so a client or load balancer may retry it later. The message names the backend
 * (`host:port`, never a credential); the driver's error is the `cause`.
 */
export class UnavailableError extends FerriteError {
  static override readonly code = 'unavailable';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
