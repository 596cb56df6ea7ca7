import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** The model did something the agent cannot act on: an unknown tool, malformed tool arguments (`model.behavior`). */
export class ModelBehaviorError extends FerriteError {
  static override readonly code = 'model.behavior';
  constructor(message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
  }
}
