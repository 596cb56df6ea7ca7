import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { Content } from '../types/content.js';

const DATA_FIELDS = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(record: Record<string, unknown>, key: string, where: string): void {
  if (typeof record[key] !== 'string') {
    throw new InvalidArgumentError(`${where}.${key} must be a string`);
  }
}

function requireRecord(record: Record<string, unknown>, key: string, where: string): void {
  if (!isRecord(record[key])) throw new InvalidArgumentError(`${where}.${key} must be an object`);
}

/** Checks one Part: exactly one data field, of the right shape (SPEC §1). */
function validatePart(part: unknown, where: string): void {
  if (!isRecord(part)) throw new InvalidArgumentError(`${where} must be an object`);
  const present = DATA_FIELDS.filter((field) => part[field] !== undefined);
  if (present.length !== 1) {
    throw new InvalidArgumentError(
      `${where} must set exactly one of ${DATA_FIELDS.join(', ')}${present.length > 1 ? `, got ${present.join(' and ')}` : ''}`,
    );
  }
  if (part.thought !== undefined && typeof part.thought !== 'boolean') {
    throw new InvalidArgumentError(`${where}.thought must be a boolean`);
  }
  const field = present[0]!;
  if (field === 'text') return requireString(part, 'text', where);
  requireRecord(part, field, where);
  const data = part[field] as Record<string, unknown>;
  const inner = `${where}.${field}`;
  switch (field) {
    case 'inlineData':
      requireString(data, 'mimeType', inner);
      return requireString(data, 'data', inner);
    case 'fileData':
      requireString(data, 'mimeType', inner);
      return requireString(data, 'fileUri', inner);
    case 'functionCall':
      requireString(data, 'name', inner);
      if (data.args !== undefined) requireRecord(data, 'args', inner);
      return;
    case 'functionResponse':
      requireString(data, 'name', inner);
      return requireRecord(data, 'response', inner);
  }
}

/**
 * Checks that `value` is a {@link Content} with at least one well-formed part, each setting
 * exactly one data field of the right shape; throws {@link InvalidArgumentError} naming the
 * first fault. Extra fields are left alone, so newer ADK part fields pass through.
 */
export function validateContent(value: unknown, what = 'content'): Content {
  if (!isRecord(value) || !Array.isArray(value.parts) || value.parts.length === 0) {
    throw new InvalidArgumentError(`${what} must be a Content with at least one part`);
  }
  if (value.role !== undefined && typeof value.role !== 'string') {
    throw new InvalidArgumentError(`${what}.role must be a string`);
  }
  const parts: unknown[] = value.parts;
  for (let index = 0; index < parts.length; index += 1) {
    // The common well-formed part is checked without building its name or any list; only a
    // part that fails is walked again to say what is wrong with it.
    const part = parts[index];
    if (!isWellFormedPart(part)) {
      const where = `${what}.parts[${index}]`;
      validatePart(part, where);
      throw new InvalidArgumentError(`${where} is not a well-formed part`);
    }
  }
  return value as unknown as Content;
}

/** The same verdict as {@link validatePart}, as a boolean, allocating nothing. */
function isWellFormedPart(part: unknown): boolean {
  if (!isRecord(part)) return false;
  if (part.thought !== undefined && typeof part.thought !== 'boolean') return false;
  let field: (typeof DATA_FIELDS)[number] | undefined;
  for (const candidate of DATA_FIELDS) {
    if (part[candidate] === undefined) continue;
    if (field !== undefined) return false;
    field = candidate;
  }
  if (field === undefined) return false;
  if (field === 'text') return typeof part.text === 'string';
  const data = part[field];
  if (!isRecord(data)) return false;
  switch (field) {
    case 'inlineData':
      return typeof data.mimeType === 'string' && typeof data.data === 'string';
    case 'fileData':
      return typeof data.mimeType === 'string' && typeof data.fileUri === 'string';
    case 'functionCall':
      return typeof data.name === 'string' && (data.args === undefined || isRecord(data.args));
    case 'functionResponse':
      return typeof data.name === 'string' && isRecord(data.response);
  }
}

/**
 * The JSON text a store keeps for `value`; throws {@link InvalidArgumentError} for what JSON
 * cannot hold (a cycle, a BigInt, nesting deeper than the engine can walk, or no JSON value at
 * all), so a caller can refuse it before writing anything.
 */
export function toStorableJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError(
      `${what} cannot be stored as JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (json === undefined) throw new InvalidArgumentError(`${what} cannot be stored as JSON`);
  return json;
}
