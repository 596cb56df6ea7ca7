import { ToolCallError, type Part } from '@ferrite/core';
import type { CallToolResult, ContentBlock } from '@modelcontextprotocol/sdk/types.js';

/**
 * The function response the model sees for an MCP tool result:
 * - `content`: each content block as a core {@link Part} — text as `text`, images and audio as
 *   `inlineData` (base64, with their MIME type), an embedded text resource as `text`, an embedded
 *   binary resource as `inlineData` (its URI as `displayName`), a resource link as `fileData`;
 * - `structuredContent`: the server's structured result, when it sent one;
 * - a result flagged `isError` becomes `{ error: <its text> }` (with `structuredContent` when
 *   present), so the model reads what went wrong and can try again; with `failRunOnError` it
 *   throws ToolCallError instead and the run fails.
 */
export function toFunctionResponse(
  result: CallToolResult,
  toolName: string,
  failRunOnError: boolean,
): Record<string, unknown> {
  const blocks: readonly ContentBlock[] = Array.isArray(result.content) ? result.content : [];
  const structured = result.structuredContent;
  if (result.isError === true) {
    const text = blocks
      .flatMap((block) => (block.type === 'text' ? [block.text] : []))
      .join('\n')
      .trim();
    const message = text || `MCP tool '${toolName}' reported an error`;
    if (failRunOnError) {
      throw new ToolCallError(toolName, `MCP tool '${toolName}' reported an error: ${message}`);
    }
    return structured === undefined
      ? { error: message }
      : { error: message, structuredContent: structured };
  }
  const response: Record<string, unknown> = { content: blocks.map(toPart) };
  if (structured !== undefined) response.structuredContent = structured;
  return response;
}

/** One MCP content block as a core Part. */
export function toPart(block: ContentBlock): Part {
  switch (block.type) {
    case 'text':
      return { text: block.text };
    case 'image':
    case 'audio':
      return { inlineData: { mimeType: block.mimeType, data: block.data } };
    case 'resource': {
      const resource = block.resource;
      if ('text' in resource && typeof resource.text === 'string') return { text: resource.text };
      return {
        inlineData: {
          mimeType: resource.mimeType ?? 'application/octet-stream',
          data: 'blob' in resource && typeof resource.blob === 'string' ? resource.blob : '',
          displayName: resource.uri,
        },
      };
    }
    case 'resource_link':
      return {
        fileData: { mimeType: block.mimeType ?? 'application/octet-stream', fileUri: block.uri },
      };
    default:
      return { text: JSON.stringify(block) };
  }
}
