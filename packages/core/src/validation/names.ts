import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/**
 * Checks an app name, user id or session id: 1–128 characters of `[A-Za-z0-9._:-]`, not made
 * of dots only. Throws {@link InvalidArgumentError} naming the field otherwise.
 */
export function validateName(field: string, value: unknown): string {
  if (!isValidName(value)) {
    throw new InvalidArgumentError(
      `${field} must be 1-128 characters of [A-Za-z0-9._:-] and not only dots, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * True when `value` is a valid app name, user id or session id. A loop over the characters
 * (names are checked several times a turn; two regular expressions cost about three times this).
 */
export function isValidName(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length === 0 || length > 128) return false;
  let onlyDots = true;
  for (let index = 0; index < length; index += 1) {
    const code = value.charCodeAt(index);
    if (code === 46 /* . */) continue;
    onlyDots = false;
    if (!(
      (code >= 97 && code <= 122) /* a-z */ ||
      (code >= 65 && code <= 90) /* A-Z */ ||
      (code >= 48 && code <= 58) /* 0-9 and : */ ||
      code === 95 /* _ */ ||
      code === 45 /* - */
    )) {
      return false;
    }
  }
  return !onlyDots;
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
