import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

/** Why a response body was cut: it broke off, or it passed the size bound. */
export type BodyFailure = (error: Error) => void;

const NEWLINE = 0x0a;
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A fetch whose response bodies are bounded: a POST's reply (JSON or an SSE stream answering
 * that request) may hold at most `maxBytes`, and a line of the long-lived GET notification
 * stream too. A body that breaks off or passes the bound is reported to `onFailure`, so the
 * connection is dropped at once and the calls waiting on it fail instead of waiting for their
 * timeout.
 */
export function boundedFetch(maxBytes: number, onFailure: BodyFailure): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    const source = response.body;
    if (!source || NULL_BODY_STATUSES.has(response.status)) return response;
    const perLine = (init?.method ?? 'GET').toUpperCase() === 'GET';
    const reader: ReadableStreamDefaultReader<Uint8Array> = source.getReader();
    let counted = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: { done: boolean; value?: Uint8Array | undefined };
        try {
          chunk = await reader.read();
        } catch (error) {
          const failure = new Error(
            `The connection to the MCP server broke off: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
          onFailure(failure);
          controller.error(failure);
          return;
        }
        const bytes = chunk.value;
        if (chunk.done || !bytes) {
          controller.close();
          return;
        }
        if (perLine) {
          const lastNewline = bytes.lastIndexOf(NEWLINE);
          counted =
            lastNewline === -1 ? counted + bytes.byteLength : bytes.byteLength - lastNewline - 1;
        } else {
          counted += bytes.byteLength;
        }
        if (counted > maxBytes) {
          const failure = new Error(
            `The MCP server sent more than ${maxBytes} bytes ${perLine ? 'in one line of its notification stream' : 'in one reply'}`,
          );
          onFailure(failure);
          reader.cancel(failure).catch(() => undefined);
          controller.error(failure);
          return;
        }
        controller.enqueue(bytes);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
