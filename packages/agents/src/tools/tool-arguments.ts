import { Ajv, type ValidateFunction } from 'ajv';
import { InvalidArgumentError, type JsonSchema, type Tool } from '@ferrite/core';

/** The outcome of checking a tool call's arguments. */
export type ArgumentCheck =
  { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** A tool that checks its own arguments (FunctionTool does, with zod or JSON Schema). */
export interface SelfValidatingTool extends Tool {
  /** Checks the model's arguments; the value returned on success is what `execute` receives. */
  validateArguments(args: Record<string, unknown>): ArgumentCheck | Promise<ArgumentCheck>;
}

// Made on the first schema compiled, so a program without JSON Schema tools never builds it.
let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();
/** Compiled schemas that hold a `default` keyword: only those change the value they check. */
const fillsDefaults = new WeakSet<ValidateFunction>();

/** Compiles a JSON Schema with ajv (cached per schema object); a broken schema is an InvalidArgumentError. */
export function compileSchema(schema: JsonSchema, toolName: string): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    try {
      const { $schema: _ignored, ...rest } = schema;
      ajv ??= new Ajv({ allErrors: true, strict: false, useDefaults: true });
      validate = ajv.compile(rest);
      if (mentionsDefault(rest)) fillsDefaults.add(validate);
    } catch (error) {
      throw new InvalidArgumentError(
        `The parameters schema of tool '${toolName}' is not valid JSON Schema: ${(error as Error).message}`,
        { cause: error },
      );
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Checks `args` against a JSON Schema. A schema with defaults fills them in on a copy; any other
 * leaves the value unchanged (ajv only writes defaults), so `args` itself is checked and returned.
 */
export function checkAgainstSchema(
  schema: JsonSchema,
  toolName: string,
  args: Record<string, unknown>,
): ArgumentCheck {
  const validate = compileSchema(schema, toolName);
  const value = fillsDefaults.has(validate) ? structuredClone(args) : args;
  if (validate(value)) return { ok: true, value };
  return { ok: false, message: ajv!.errorsText(validate.errors, { dataVar: 'args' }) };
}

/** True when a `default` key appears anywhere in the schema (a property so named counts too). */
function mentionsDefault(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  if (Array.isArray(schema)) return schema.some(mentionsDefault);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default' || mentionsDefault(value)) return true;
  }
  return false;
}

/**
 * Checks the arguments of a call of `tool`: its own check when it has one, else its JSON Schema
 * (at once, without a promise, unless the tool's own check is asynchronous).
 */
export function checkToolArguments(
  tool: Tool,
  args: Record<string, unknown>,
): ArgumentCheck | Promise<ArgumentCheck> {
  if (typeof (tool as Partial<SelfValidatingTool>).validateArguments === 'function') {
    return (tool as SelfValidatingTool).validateArguments(args);
  }
  if (!tool.parameters) return { ok: true, value: structuredClone(args) };
  return checkAgainstSchema(tool.parameters, tool.name, args);
}
