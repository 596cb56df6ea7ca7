import { expect } from 'vitest';
import { FerriteError } from '../errors/ferrite-error.js';

/**
 * Asserts that `promise` rejects with a Ferrite error of `errorClass` (matched by code, as
 * `isInstance` does) and returns it.
 */
export async function expectFerriteError<TError extends typeof FerriteError>(
  promise: Promise<unknown>,
  errorClass: TError,
): Promise<InstanceType<TError>> {
  const outcome = await promise.then(
    (value: unknown) => ({ rejected: false as const, value }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) {
    throw new Error(`expected a rejection with ${errorClass.name}, but the call resolved`);
  }
  const error = outcome.error;
  const code = FerriteError.isInstance(error) ? error.code : undefined;
  expect(code, `expected ${errorClass.name} (${errorClass.code}), got ${String(error)}`).toBe(
    errorClass.code,
  );
  return error as InstanceType<TError>;
}

/** A random app name, so that tests sharing one store never see each other's data. */
export function randomAppName(): string {
  return `app_${globalThis.crypto.randomUUID().slice(0, 8)}`;
}
