import type { JsonSchema } from './json-schema.js';

/**
 * The shape a model's final answer must have, for providers with a native structured-output
 * mode (OpenAI `response_format: json_schema`, Gemini `responseJsonSchema`).
 */
export interface OutputSchemaDeclaration {
  /** A name for the schema (OpenAI requires one): letters, digits, `_` and `-`. */
  name: string;
  /** JSON Schema of the answer. */
  schema: JsonSchema;
  /** Ask the provider to enforce the schema exactly (OpenAI `strict`); default false. */
  strict?: boolean;
}
