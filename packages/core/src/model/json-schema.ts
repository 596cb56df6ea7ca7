/** A JSON Schema document (draft 2020-12 or 7), as a plain object. */
export type JsonSchema = { [key: string]: unknown };
