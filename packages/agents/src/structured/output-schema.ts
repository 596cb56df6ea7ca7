import { z } from 'zod';
import { InvalidArgumentError, type JsonSchema, type OutputSchemaDeclaration } from '@ferrite/core';
import { checkAgainstSchema, compileSchema } from '../tools/tool-arguments.js';

/** An agent's output schema: a zod schema (typed) or a JSON Schema object. */
export type OutputSchema<TOutput = unknown> = z.ZodType<TOutput> | JsonSchema;

/** The outcome of checking a final answer. */
export type OutputCheck<TOutput> = { ok: true; value: TOutput } | { ok: false; message: string };

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/** Strips a Markdown code fence around a JSON answer (models add one even in JSON mode). */
function withoutFence(text: string): string {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(trimmed);
  return fenced ? fenced[1]!.trim() : trimmed;
}

/**
 * An agent's output schema, compiled once: the declaration sent to providers with a native
 * structured-output mode, and the check of a final answer (JSON parsed, then zod's `safeParse`
 * or ajv in draft-07 mode).
 */
export class StructuredOutput<TOutput = unknown> {
  /** What the model request carries. */
  readonly declaration: OutputSchemaDeclaration;
  readonly #zod: z.ZodType<TOutput> | undefined;
  readonly #label: string;

  constructor(schema: OutputSchema<TOutput>, agentName: string, strict: boolean) {
    this.#label = `output schema of agent '${agentName}'`;
    let json: JsonSchema;
    if (isZodSchema(schema)) {
      this.#zod = schema;
      try {
        json = z.toJSONSchema(schema, { io: 'output', target: 'draft-7' });
      } catch (error) {
        throw new InvalidArgumentError(
          `The ${this.#label} cannot be expressed as JSON Schema: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const { $schema: _ignored, ...declared } = json;
      json = declared;
    } else if (typeof schema === 'object' && schema !== null && !Array.isArray(schema)) {
      this.#zod = undefined;
      compileSchema(schema, this.#label);
      json = schema;
    } else {
      throw new InvalidArgumentError(`The ${this.#label} must be a zod schema or a JSON Schema`);
    }
    this.declaration = Object.freeze({
      name: `${agentName}_output`.slice(0, 64),
      schema: json,
      strict,
    });
  }

  /** Parses and checks a final answer's text. */
  check(text: string): OutputCheck<TOutput> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(withoutFence(text));
    } catch (error) {
      return { ok: false, message: `the answer is not JSON (${(error as Error).message})` };
    }
    if (this.#zod) {
      const result = this.#zod.safeParse(parsed);
      return result.success
        ? { ok: true, value: result.data }
        : { ok: false, message: z.prettifyError(result.error) };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      // ajv checks any JSON value; wrap scalars so the shared checker (made for objects) sees one.
      const check = checkAgainstSchema(
        { type: 'object', properties: { value: this.declaration.schema }, required: ['value'] },
        this.#label,
        { value: parsed },
      );
      return check.ok
        ? { ok: true, value: check.value.value as TOutput }
        : { ok: false, message: check.message };
    }
    const check = checkAgainstSchema(
      this.declaration.schema,
      this.#label,
      parsed as Record<string, unknown>,
    );
    return check.ok
      ? { ok: true, value: check.value as TOutput }
      : { ok: false, message: check.message };
  }

  /** The message that sends a failed check back to the model. */
  static correction(message: string): string {
    return `Your answer does not match the required output schema: ${message}. Answer again with only a JSON value that matches the schema.`;
  }
}
