import {
  createEvent,
  type Agent,
  type Content,
  type Event,
  type EventInit,
  type InvocationContext,
} from '@ferrite/core';
import { InMemoryArtifactService } from '@ferrite/artifact';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { createHandler, type HandlerOptions } from '../handler/create-handler.js';
import { serve, type RunningServer } from '../node/serve.js';

/** An agent whose turn is a function yielding event fields (the runner fills the rest). */
export function scriptAgent(
  name: string,
  turn: (context: InvocationContext) => AsyncIterable<EventInit>,
): Agent {
  return {
    name,
    description: `test agent ${name}`,
    subAgents: [],
    run: (context: InvocationContext) => mapEvents(turn(context)),
  };
}

async function* mapEvents(source: AsyncIterable<EventInit>): AsyncGenerator<Event> {
  for await (const init of source) yield createEvent(init);
}

/** Model text as event fields. */
export function text(value: string, partial = false): EventInit {
  return { content: { role: 'model', parts: [{ text: value }] }, ...(partial ? { partial } : {}) };
}

/** A user message. */
export function message(value: string): Content {
  return { role: 'user', parts: [{ text: value }] };
}

/** An agent that streams `chunks` as partial events, then the whole text. */
export function echoAgent(name = 'echo', chunks = 3): Agent {
  return scriptAgent(name, async function* (context) {
    const said = context.userContent.parts[0]?.text ?? '';
    let whole = '';
    for (let i = 0; i < chunks; i++) {
      const piece = `${said}#${i} `;
      whole += piece;
      yield text(piece, true);
    }
    yield text(whole);
  });
}

/** A Runner on in-memory services. */
export function makeRunner(agent: Agent, appName = 'app'): Runner {
  return new Runner({
    appName,
    agent,
    sessionService: new InMemorySessionService(),
    artifactService: new InMemoryArtifactService(),
  });
}

/** Serves runners on 127.0.0.1 with a free port. */
export async function startServer(
  options: Partial<HandlerOptions> & Pick<HandlerOptions, 'apps'>,
): Promise<RunningServer> {
  return serve({ handler: createHandler(options), port: 0 });
}

/** A parsed SSE stream: its messages (with ids) and its comments. */
export interface SseTranscript {
  /** The `data:` messages, with their `id:` when they had one. */
  messages: EventSourceMessage[];
  /** The comment lines (`ping`, `dropped N partial events`), trimmed. */
  comments: string[];
}

/** Reads a whole SSE response with `eventsource-parser`. */
export async function readSse(response: Response): Promise<SseTranscript> {
  const transcript: SseTranscript = { messages: [], comments: [] };
  for await (const item of sseItems(response)) {
    if (item.kind === 'message') transcript.messages.push(item.message);
    else transcript.comments.push(item.comment);
  }
  return transcript;
}

/** One parsed item of an SSE stream. */
export type SseItem =
  { kind: 'message'; message: EventSourceMessage } | { kind: 'comment'; comment: string };

/** The items of an SSE response as they arrive. */
export async function* sseItems(response: Response): AsyncGenerator<SseItem> {
  const pending: SseItem[] = [];
  const parser = createParser({
    onEvent: (message) => pending.push({ kind: 'message', message }),
    onComment: (comment) => pending.push({ kind: 'comment', comment: comment.trim() }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (pending.length > 0) yield pending.shift()!;
  }
}

/** POSTs JSON. */
export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    body: JSON.stringify(body),
  });
}

/** Resolves once `check` holds, polling. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
