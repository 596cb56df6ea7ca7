import { InvalidArgumentError, validateName, type Content, type Part } from '@ferrite/core';

/** A plain JSON object, or a 400. */
export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidArgumentError(`${field} must be a JSON object`);
  return value;
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

/**
 * A body field by its camelCase name, or else by the snake_case name that ADK's Python server
 * also accepts (`app_name`, `new_message`, `state_delta`), so clients of either style work.
 */
export function bodyField(body: Record<string, unknown>, name: string): unknown {
  const value = body[name];
  return value !== undefined ? value : body[name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

/** A user message: an object with a non-empty `parts` array (role defaults to `user`). */
export function message(value: unknown): Content {
  const content = asObject(value, 'newMessage');
  if (!Array.isArray(content.parts) || content.parts.length === 0) {
    throw new InvalidArgumentError('newMessage.parts must be a non-empty array');
  }
  const parts = content.parts.map((part) => partOf(asObject(part, 'newMessage.parts[]')));
  const role = typeof content.role === 'string' ? content.role : 'user';
  return { ...content, role, parts };
}

/** The snake_case Part keys ADK's Python server accepts, with the names Ferrite uses. */
const PART_KEYS: Readonly<Record<string, string>> = {
  inline_data: 'inlineData',
  file_data: 'fileData',
  function_call: 'functionCall',
  function_response: 'functionResponse',
  mime_type: 'mimeType',
  display_name: 'displayName',
  file_uri: 'fileUri',
};

/** A Part with snake_case keys renamed; tool arguments and responses are left as sent. */
function partOf(part: Record<string, unknown>): Part {
  const renamed: Part = {};
  for (const [key, value] of Object.entries(part)) {
    const camel = PART_KEYS[key] ?? key;
    const nested = camel === 'inlineData' || camel === 'fileData';
    (renamed as Record<string, unknown>)[camel] =
      nested && isPlainObject(value) ? renameKeys(value) : value;
  }
  return renamed;
}

function renameKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [PART_KEYS[key] ?? key, item]),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
