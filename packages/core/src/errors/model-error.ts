import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** Options of a {@link ModelError}. */
export interface ModelErrorOptions extends FerriteErrorOptions {
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  /** Whether trying again may succeed (429, 5xx, network failures). */
  retryable?: boolean;
}

/** A model provider failed: an HTTP status, a network error, a broken stream (`model.error`). */
export class ModelError extends FerriteError {
  static override readonly code = 'model.error';
  /** HTTP status of the provider's answer, when there was one. */
  readonly status: number | undefined;
  /** Whether trying again may succeed. */
  readonly retryable: boolean;
  constructor(message: string, options: ModelErrorOptions = {}) {
    super(message, options);
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}
