import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** Options of a {@link TargetError}. */
export interface TargetErrorOptions extends FerriteErrorOptions {
  /** The code the remote agent reported, when it reported one. */
  targetCode?: string;
  /** True when the remote agent itself reported the failure (see {@link TargetError.reportedByTarget}). */
  reportedByTarget?: boolean;
}

/** A remote agent (child process, HTTP or WebSocket service) failed (`target.error`). */
export class TargetError extends FerriteError {
  static override readonly code = 'target.error';
  /** The code the remote agent reported, when it reported one. */
  readonly targetCode: string | undefined;
  /**
   * True when the remote agent itself reported the failure (an `error` message, an error
   * event): it answered in step, so the process or connection that carried the answer may
   * serve the next turn. False for everything the agent detected (timeouts, bad output,
   * exits, dropped connections).
   */
  readonly reportedByTarget: boolean;
  constructor(message: string, options: TargetErrorOptions = {}) {
    super(message, options);
    this.targetCode = options.targetCode;
    this.reportedByTarget = options.reportedByTarget ?? false;
  }
}
