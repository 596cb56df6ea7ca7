import type { Content, ModelRequest, Part } from '@ferrite/core';
import { GENERATED_CALL_ID_PREFIX } from '../http/call-ids.js';
import { ContentConversionCache } from '../http/content-conversion-cache.js';

/** Builds the `generateContent` request body for `request`. */
export function toGeminiRequest(request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    contents: request.contents
      .map((content) => geminiContents.of(content))
      .filter((content) => content.parts.length > 0),
  };
  if (request.systemInstruction) {
    body.systemInstruction = { parts: [{ text: request.systemInstruction }] };
  }
  if (request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => {
          const declaration: Record<string, unknown> = {
            name: tool.name,
            description: tool.description,
          };
          if (tool.parameters)
            declaration.parametersJsonSchema = withoutSchemaKeyword(tool.parameters);
          return declaration;
        }),
      },
    ];
  }
  const config = request.config;
  const generationConfig: Record<string, unknown> = {};
  if (config?.temperature !== undefined) generationConfig.temperature = config.temperature;
  if (config?.topP !== undefined) generationConfig.topP = config.topP;
  if (config?.maxOutputTokens !== undefined)
    generationConfig.maxOutputTokens = config.maxOutputTokens;
  if (config?.stopSequences?.length) generationConfig.stopSequences = config.stopSequences;
  if (request.outputSchema) {
    // `responseJsonSchema` takes JSON Schema as it is (as `parametersJsonSchema` does for tools);
    // the older `responseSchema` takes an OpenAPI subset that refuses keywords zod emits.
    generationConfig.responseMimeType = 'application/json';
    generationConfig.responseJsonSchema = withoutSchemaKeyword(request.outputSchema.schema);
  }
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return { ...body, ...config?.extra };
}

/** A Content on the Gemini wire. */
type GeminiContent = { role: string; parts: Record<string, unknown>[] };

const geminiContents = new ContentConversionCache<GeminiContent>(toGeminiContent);

function toGeminiContent(content: Content): GeminiContent {
  const parts: Record<string, unknown>[] = [];
  for (const part of content.parts) {
    const converted = toGeminiPart(part);
    if (converted) parts.push(converted);
  }
  return { role: content.role === 'model' ? 'model' : 'user', parts };
}

function toGeminiPart(part: Part): Record<string, unknown> | undefined {
  const converted = toGeminiData(part);
  if (converted && part.thoughtSignature) converted.thoughtSignature = part.thoughtSignature;
  return converted;
}

function toGeminiData(part: Part): Record<string, unknown> | undefined {
  if (part.functionCall) {
    const { id, name, args } = part.functionCall;
    return { functionCall: { ...providerId(id), name, args } };
  }
  if (part.functionResponse) {
    const { id, name, response } = part.functionResponse;
    return { functionResponse: { ...providerId(id), name, response } };
  }
  if (part.text !== undefined) return part.thought ? undefined : { text: part.text };
  if (part.inlineData) {
    return { inlineData: { mimeType: part.inlineData.mimeType, data: part.inlineData.data } };
  }
  if (part.fileData) return { fileData: { ...part.fileData } };
  return undefined;
}

/** Ids Ferrite made up for calls Gemini sent without one are not sent back. */
function providerId(id: string): { id?: string } {
  return id && !id.startsWith(GENERATED_CALL_ID_PREFIX) ? { id } : {};
}

function withoutSchemaKeyword(schema: Record<string, unknown>): Record<string, unknown> {
  if (!('$schema' in schema)) return schema;
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}
