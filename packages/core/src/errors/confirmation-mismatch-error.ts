import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/**
 * An answer to a pending request (a tool confirmation or a long-running call's result) does not
 * bind to it: the call is unknown or no longer pending, was answered already, or the answer
 * changes the call's arguments (`confirmation.mismatch`). Nothing is stored.
 */
export class ConfirmationMismatchError extends FerriteError {
  static override readonly code = 'confirmation.mismatch';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
