import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A tool failed and asked to fail the run rather than report back to the model (`tool.error`). */
export class ToolCallError extends FerriteError {
  static override readonly code = 'tool.error';
  /** Name of the tool that failed. */
  readonly toolName: string;
  constructor(toolName: string, message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
    this.toolName = toolName;
  }
}
