import { Ajv, type ValidateFunction } from 'ajv';
import { InvalidArgumentError, type JsonSchema, type Tool } from '@ferrite/core';

/** The outcome of checking a tool call's arguments. */
export type ArgumentCheck =
  { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/** A tool that checks its own arguments (FunctionTool does, with zod or JSON Schema). */
export interface SelfValidatingTool extends Tool {
  /** Checks the model's arguments; the value returned on success is what `execute` receives. */
  validateArguments(args: Record<string, unknown>): Promise<ArgumentCheck>;
}

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles a JSON Schema with ajv (cached per schema object); a broken schema is an InvalidArgumentError. */
export function compileSchema(schema: JsonSchema, toolName: string): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    try {
      const { $schema: _ignored, ...rest } = schema;
      validate = ajv.compile(rest);
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

/** Checks a copy of `args` against a JSON Schema; defaults from the schema are filled in. */
export function checkAgainstSchema(
  schema: JsonSchema,
  toolName: string,
  args: Record<string, unknown>,
): ArgumentCheck {
  const validate = compileSchema(schema, toolName);
  const value = structuredClone(args);
  if (validate(value)) return { ok: true, value };
  return { ok: false, message: ajv.errorsText(validate.errors, { dataVar: 'args' }) };
}

/** Checks the arguments of a call of `tool`: its own check when it has one, else its JSON Schema. */
export async function checkToolArguments(
  tool: Tool,
  args: Record<string, unknown>,
): Promise<ArgumentCheck> {
  if (typeof (tool as Partial<SelfValidatingTool>).validateArguments === 'function') {
    return (tool as SelfValidatingTool).validateArguments(args);
  }
  if (!tool.parameters) return { ok: true, value: structuredClone(args) };
  return checkAgainstSchema(tool.parameters, tool.name, args);
}
