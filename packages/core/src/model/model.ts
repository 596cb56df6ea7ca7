import type { Content } from '../types/content.js';
import type { Usage } from '../types/event.js';
import type { JsonSchema } from './json-schema.js';
import type { OutputSchemaDeclaration } from './output-schema.js';

/** A tool as the model sees it. */
export interface ToolDeclaration {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters?: JsonSchema;
}

/** Generation settings passed through to the provider. */
export interface GenerateConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  /** Extra provider-specific fields, merged into the request body. */
  extra?: Record<string, unknown>;
}

/** One call to a model: system instruction, conversation and the tools it may call. */
export interface ModelRequest {
  systemInstruction?: string;
  /** Read-only for the model; an agent may reuse and extend this array for its next request, so copy it to keep it. */
  contents: Content[];
  tools: ToolDeclaration[];
  config?: GenerateConfig;
  /** The shape the final answer must have, sent in the provider's structured-output mode. */
  outputSchema?: OutputSchemaDeclaration;
}

/**
 * One answer of a model. When streaming, a model yields any number of `partial: true`
 * responses holding only the new text, then exactly one complete response (not partial)
 * holding the whole content, function calls included. Without streaming it yields only the
 * complete one.
 */
export interface ModelResponse {
  content?: Content;
  partial?: boolean;
  usage?: Usage;
  finishReason?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** Options of {@link Model.generate}. */
export interface GenerateOptions {
  stream: boolean;
  signal: AbortSignal;
}

/** A language model provider. */
export interface Model {
  /** The provider's model name, as shown in logs and traces. */
  readonly name: string;
  /** Streams the answer to one request as {@link ModelResponse}s (see there for the order). */
  generate(request: ModelRequest, options: GenerateOptions): AsyncIterable<ModelResponse>;
}
