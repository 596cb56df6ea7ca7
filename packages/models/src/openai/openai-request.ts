import type { Content, ModelRequest, Part } from '@ferrite/core';
import { ContentConversionCache } from '../http/content-conversion-cache.js';

/** A Chat Completions message as sent on the wire. */
export type OpenAIMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | OpenAIContentPart[] }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: {
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

/** One element of a multi-part user message. */
type OpenAIContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } }
  | { type: 'file'; file: { file_data: string; filename?: string } };

/** Builds the Chat Completions request body for `request`. */
export function toOpenAIRequest(
  model: string,
  request: ModelRequest,
  stream: boolean,
): Record<string, unknown> {
  const messages: OpenAIMessage[] = [];
  if (request.systemInstruction) {
    messages.push({ role: 'system', content: request.systemInstruction });
  }
  for (const content of request.contents) {
    for (const message of openAIMessages.of(content)) messages.push(message);
  }
  const body: Record<string, unknown> = { model, messages };
  if (request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        description: tool.description,
        parameters: withoutSchemaKeyword(tool.parameters ?? { type: 'object', properties: {} }),
      },
    }));
  }
  const config = request.config;
  if (config?.temperature !== undefined) body.temperature = config.temperature;
  if (config?.topP !== undefined) body.top_p = config.topP;
  if (config?.maxOutputTokens !== undefined) body.max_tokens = config.maxOutputTokens;
  if (config?.stopSequences?.length) body.stop = config.stopSequences;
  if (request.outputSchema) {
    const { name, schema, strict } = request.outputSchema;
    body.response_format = {
      type: 'json_schema',
      json_schema: { name, schema: withoutSchemaKeyword(schema), strict: strict ?? false },
    };
  }
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return { ...body, ...config?.extra };
}

const openAIMessages = new ContentConversionCache<readonly OpenAIMessage[]>(toMessages);

/** One Content becomes one or more messages: tool results each get their own `tool` message. */
function toMessages(content: Content): OpenAIMessage[] {
  if (content.role === 'model') return [toAssistantMessage(content.parts)];
  const messages: OpenAIMessage[] = [];
  const userParts: OpenAIContentPart[] = [];
  for (const part of content.parts) {
    if (part.functionResponse) {
      messages.push({
        role: 'tool',
        tool_call_id: part.functionResponse.id,
        content: JSON.stringify(part.functionResponse.response),
      });
    } else if (part.functionCall) {
      userParts.push({ type: 'text', text: JSON.stringify({ functionCall: part.functionCall }) });
    } else {
      const converted = toUserPart(part);
      if (converted) userParts.push(converted);
    }
  }
  if (userParts.length > 0) {
    const onlyText = userParts.every((part) => part.type === 'text');
    messages.push({
      role: 'user',
      content: onlyText
        ? userParts.map((part) => (part as { text: string }).text).join('\n')
        : userParts,
    });
  }
  return messages;
}

function toAssistantMessage(parts: Part[]): OpenAIMessage {
  let text: string | null = null;
  const toolCalls: {
    id: string;
    type: 'function';
    function: { name: string; arguments: string };
  }[] = [];
  for (const part of parts) {
    if (part.functionCall) {
      toolCalls.push({
        id: part.functionCall.id,
        type: 'function',
        function: {
          name: part.functionCall.name,
          arguments: JSON.stringify(part.functionCall.args),
        },
      });
    } else if (part.text !== undefined && !part.thought) {
      text = (text ?? '') + part.text;
    }
  }
  return toolCalls.length > 0
    ? { role: 'assistant', content: text, tool_calls: toolCalls }
    : { role: 'assistant', content: text ?? '' };
}

function toUserPart(part: Part): OpenAIContentPart | undefined {
  if (part.text !== undefined) return part.thought ? undefined : { type: 'text', text: part.text };
  if (part.inlineData) {
    const { mimeType, data, displayName } = part.inlineData;
    if (mimeType.startsWith('image/')) {
      return { type: 'image_url', image_url: { url: `data:${mimeType};base64,${data}` } };
    }
    if (mimeType === 'audio/wav' || mimeType === 'audio/mpeg' || mimeType === 'audio/mp3') {
      return {
        type: 'input_audio',
        input_audio: { data, format: mimeType === 'audio/wav' ? 'wav' : 'mp3' },
      };
    }
    return {
      type: 'file',
      file: {
        file_data: `data:${mimeType};base64,${data}`,
        ...(displayName ? { filename: displayName } : {}),
      },
    };
  }
  if (part.fileData) {
    return part.fileData.mimeType.startsWith('image/')
      ? { type: 'image_url', image_url: { url: part.fileData.fileUri } }
      : { type: 'text', text: `[file ${part.fileData.fileUri} (${part.fileData.mimeType})]` };
  }
  return undefined;
}

/** Drops the top-level `$schema` keyword, which some OpenAI-compatible servers reject. */
function withoutSchemaKeyword(schema: Record<string, unknown>): Record<string, unknown> {
  if (!('$schema' in schema)) return schema;
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}
