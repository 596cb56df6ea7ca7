import { FerriteError } from './ferrite-error.js';
import { InternalError } from './internal-error.js';

/** Returns `error` when it is a Ferrite error, else an {@link InternalError} with it as `cause`. */
export function toFerriteError(error: unknown, context?: string): FerriteError {
  if (FerriteError.isInstance(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new InternalError(context ? `${context}: ${detail}` : detail, { cause: error });
}

/** True for the error an aborted `AbortSignal` produces (DOMException or Error named AbortError). */
export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { code?: unknown }).code === 'ABORT_ERR')
  );
}
