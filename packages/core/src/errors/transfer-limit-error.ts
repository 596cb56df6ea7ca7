import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A run made more agent transfers than `maxTransfers` allows (`agent.transfer_limit`). */
export class TransferLimitError extends FerriteError {
  static override readonly code = 'agent.transfer_limit';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
