import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** Options of a {@link TargetError}. */
export interface TargetErrorOptions extends FerriteErrorOptions {
  /** The code the remote agent reported, when it reported one. */
  targetCode?: string;
}

/** A remote agent (child process, HTTP or WebSocket service) failed (`target.error`). */
export class TargetError extends FerriteError {
  static override readonly code = 'target.error';
  /** The code the remote agent reported, when it reported one. */
  readonly targetCode: string | undefined;
  constructor(message: string, options: TargetErrorOptions = {}) {
    super(message, options);
    this.targetCode = options.targetCode;
  }
}
