import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

const NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const DOTS_ONLY = /^\.+$/;

/**
 * Checks an app name, user id or session id: 1–128 characters of `[A-Za-z0-9._:-]`, not made
 * of dots only. Throws {@link InvalidArgumentError} naming the field otherwise.
 */
export function validateName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value) || DOTS_ONLY.test(value)) {
    throw new InvalidArgumentError(
      `${field} must be 1-128 characters of [A-Za-z0-9._:-] and not only dots, got ${describe(value)}`,
    );
  }
  return value;
}

/** True when `value` is a valid app name, user id or session id. */
export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && NAME_PATTERN.test(value) && !DOTS_ONLY.test(value);
}

/**
 * Checks an artifact filename: non-empty, at most 255 UTF-8 bytes, no `/`, `\` or NUL, and
 * not `.` or `..`. Throws {@link InvalidArgumentError} otherwise.
 */
export function validateFilename(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    Buffer.byteLength(value, 'utf8') > 255 ||
    /[/\\\0]/.test(value) ||
    value === '.' ||
    value === '..'
  ) {
    throw new InvalidArgumentError(
      `artifact filename must be 1-255 bytes without '/', '\\' or NUL and not '.' or '..', got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}
