import { createEvent, textOf, type Event, type InvocationContext } from '@ferrite/core';

/** The message a target receives for each turn (one JSON line, or one WebSocket message). */
export interface TargetInputMessage {
  /** Always `input`. */
  type: 'input';
  /** The text of the user's message (text parts only, thoughts left out). */
  input: string;
  /** Where the turn happens, and the merged state the agent sees. */
  context: {
    sessionId: string;
    userId: string;
    appName: string;
    invocationId: string;
    state: Record<string, unknown>;
  };
}

/** What a target sends back: streamed text, the final answer, or a failure. */
export type TargetOutputMessage =
  | { type: 'delta'; delta: string }
  | { type: 'final'; output: string | undefined }
  | { type: 'error'; error: string; code: string | undefined }
  | { type: 'other' };

/** Builds the input message of one turn from the invocation context. */
export function inputMessage(context: InvocationContext): TargetInputMessage {
  return {
    type: 'input',
    input: textOf(context.userContent),
    context: {
      sessionId: context.session.id,
      userId: context.userId,
      appName: context.appName,
      invocationId: context.invocationId,
      state: context.state.toObject(),
    },
  };
}

/**
 * Reads one message from a target. Returns undefined when `text` is not a JSON object (the
 * caller reports it with its position); a JSON object whose `type` is not `delta`, `final` or
 * `error` is `{ type: 'other' }`, ignored by the agents so the protocol can grow.
 */
export function parseOutputMessage(text: string): TargetOutputMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'delta':
      return { type: 'delta', delta: asText(message.delta) ?? '' };
    case 'final':
      return { type: 'final', output: asText(message.output) };
    case 'error':
      return {
        type: 'error',
        error: asText(message.error) ?? 'the target reported an error',
        code: asText(message.code),
      };
    default:
      return { type: 'other' };
  }
}

/** Text of a protocol value: strings as they are, other JSON values serialised, null/undefined absent. */
export function asText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A streamed piece of the reply, emitted (never stored). */
export function deltaEvent(author: string, text: string): Event {
  return createEvent({ author, partial: true, content: { role: 'model', parts: [{ text }] } });
}

/** The whole reply of a turn, the event that is stored. */
export function finalEvent(author: string, text: string): Event {
  return createEvent({ author, turnComplete: true, content: { role: 'model', parts: [{ text }] } });
}

/** Shows at most `max` characters of a line a target sent, quoted, for error messages. */
export function preview(text: string, max = 120): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
