import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** Options of the guardrail errors. */
export interface GuardrailErrorOptions extends FerriteErrorOptions {
  /** What the guardrail reported with its verdict. */
  outputInfo?: unknown;
}

/** An input guardrail tripped on the user's message (`guardrail.input_tripwire`). */
export class InputGuardrailTripwireError extends FerriteError {
  static override readonly code = 'guardrail.input_tripwire';
  /** Name of the guardrail that tripped. */
  readonly guardrailName: string;
  /** What the guardrail reported with its verdict. */
  readonly outputInfo: unknown;
  constructor(guardrailName: string, options: GuardrailErrorOptions = {}) {
    super(`Input guardrail '${guardrailName}' tripped`, options);
    this.guardrailName = guardrailName;
    this.outputInfo = options.outputInfo;
  }
}

/** An output guardrail tripped on the run's final output (`guardrail.output_tripwire`). */
export class OutputGuardrailTripwireError extends FerriteError {
  static override readonly code = 'guardrail.output_tripwire';
  /** Name of the guardrail that tripped. */
  readonly guardrailName: string;
  /** What the guardrail reported with its verdict. */
  readonly outputInfo: unknown;
  constructor(guardrailName: string, options: GuardrailErrorOptions = {}) {
    super(`Output guardrail '${guardrailName}' tripped`, options);
    this.guardrailName = guardrailName;
    this.outputInfo = options.outputInfo;
  }
}

/** A guardrail itself failed (threw, or returned no verdict) (`guardrail.error`). */
export class GuardrailError extends FerriteError {
  static override readonly code = 'guardrail.error';
  /** Name of the guardrail that failed. */
  readonly guardrailName: string;
  constructor(guardrailName: string, message: string, options: FerriteErrorOptions = {}) {
    super(message, options);
    this.guardrailName = guardrailName;
  }
}
