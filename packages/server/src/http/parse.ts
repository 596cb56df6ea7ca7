import { InvalidArgumentError, validateName, type Content } from '@ferrite/core';

/** A plain JSON object, or a 400. */
export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${field} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** An optional plain JSON object, or a 400. */
export function optionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  return value === undefined || value === null ? undefined : asObject(value, field);
}

/** A valid name (app, user, session), or a 400. */
export function name(value: unknown, field: string): string {
  return validateName(field, value);
}

/** A non-negative integer from a path or query string, or a 400. */
export function version(value: string, field = 'version'): number {
  if (!/^\d{1,9}$/.test(value)) {
    throw new InvalidArgumentError(
      `${field} must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/** A user message: an object with a non-empty `parts` array (role defaults to `user`). */
export function message(value: unknown): Content {
  const content = asObject(value, 'newMessage');
  if (!Array.isArray(content.parts) || content.parts.length === 0) {
    throw new InvalidArgumentError('newMessage.parts must be a non-empty array');
  }
  for (const part of content.parts) asObject(part, 'newMessage.parts[]');
  const role = typeof content.role === 'string' ? content.role : 'user';
  return { ...content, role, parts: content.parts as Content['parts'] };
}
