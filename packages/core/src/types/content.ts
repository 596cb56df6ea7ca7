/** Binary data carried inline, base64-encoded. */
export interface InlineData {
  mimeType: string;
  /** Base64 of the bytes. */
  data: string;
  displayName?: string;
}

/** A reference to data stored elsewhere. */
export interface FileData {
  mimeType: string;
  fileUri: string;
}

/** A call of a tool (function) requested by the model. */
export interface FunctionCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** The result of a tool call, sent back to the model. */
export interface FunctionResponse {
  id: string;
  name: string;
  response: Record<string, unknown>;
}

/** One piece of a message; exactly one of the data fields is set (Gemini/ADK shape). */
export interface Part {
  text?: string;
  /** Marks a text part as the model's reasoning rather than its answer. */
  thought?: boolean;
  /** Opaque signature of the model's reasoning (Gemini), sent back unchanged with this part. */
  thoughtSignature?: string;
  inlineData?: InlineData;
  fileData?: FileData;
  functionCall?: FunctionCall;
  functionResponse?: FunctionResponse;
}

/** A message: who said it and its parts. */
export interface Content {
  role: 'user' | 'model' | (string & {});
  parts: Part[];
}

/** Joins the text of the non-thought text parts of `content` (empty string when none). */
export function textOf(content: Content | undefined): string {
  if (!content) return '';
  let text = '';
  for (const part of content.parts) {
    if (part.text !== undefined && !part.thought) text += part.text;
  }
  return text;
}

/** Builds a user message with one text part. */
export function userContent(text: string): Content {
  return { role: 'user', parts: [{ text }] };
}

/** Builds a model message with one text part. */
export function modelContent(text: string): Content {
  return { role: 'model', parts: [{ text }] };
}
