import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** Reads a `text/event-stream` body as parsed messages; cancels the body when the reader stops early. */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (pending.length > 0) yield pending.shift()!;
    }
    finished = true;
    parser.feed(decoder.decode());
    parser.reset({ consume: true });
    while (pending.length > 0) yield pending.shift()!;
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
