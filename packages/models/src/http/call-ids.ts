import { randomUUID } from 'node:crypto';

/** Prefix of the function call ids made up when a provider sends none. */
export const GENERATED_CALL_ID_PREFIX = 'ferrite-';

/** A fresh function call id for a call the provider sent without one. */
export function generatedCallId(): string {
  return `${GENERATED_CALL_ID_PREFIX}${randomUUID()}`;
}
