import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** Options of an {@link OutputValidationError}. */
export interface OutputValidationErrorOptions extends FerriteErrorOptions {
  /** The model's last answer, as text. */
  output?: string;
  /** What the schema check said about it. */
  issues?: string;
}

/**
 * A model's final answer did not match the agent's output schema, after the retries the agent
 * allows (`model.output_invalid`).
 */
export class OutputValidationError extends FerriteError {
  static override readonly code = 'model.output_invalid';
  /** Name of the agent whose answer failed the check. */
  readonly agentName: string;
  /** The model's last answer, as text. */
  readonly output: string | undefined;
  /** What the schema check said about it. */
  readonly issues: string | undefined;
  constructor(agentName: string, message: string, options: OutputValidationErrorOptions = {}) {
    super(message, options);
    this.agentName = agentName;
    this.output = options.output;
    this.issues = options.issues;
  }
}
