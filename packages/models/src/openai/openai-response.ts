import {
  ModelBehaviorError,
  ModelError,
  type ModelResponse,
  type Part,
  type Usage,
} from '@ferrite/core';
import { readServerSentEvents } from '../http/read-server-sent-events.js';
import { generatedCallId } from '../http/call-ids.js';

interface WireToolCall {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

interface WireMessage {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: WireToolCall[];
}

interface WireChoice {
  message?: WireMessage;
  delta?: WireMessage;
  finish_reason?: string | null;
}

interface WireCompletion {
  choices?: WireChoice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; code?: unknown; type?: string } | string;
}

/** Turns a non-streaming Chat Completions answer into a ModelResponse. */
export function fromOpenAICompletion(completion: WireCompletion): ModelResponse {
  throwIfError(completion);
  const choice = completion.choices?.[0];
  if (!choice) throw new ModelError('OpenAI-compatible server answered without choices');
  const message = choice.message ?? {};
  const calls = (message.tool_calls ?? []).map((call, index) => ({
    id: call.id,
    name: call.function?.name ?? '',
    args: call.function?.arguments ?? '',
    index,
  }));
  return complete(
    message.reasoning_content ?? message.reasoning ?? '',
    message.content ?? '',
    calls,
    choice.finish_reason ?? undefined,
    usageOf(completion),
  );
}

/**
 * Reads a Chat Completions SSE stream: text deltas become partial responses; tool-call
 * deltas are assembled by index; the last response holds the whole content and the usage.
 */
export async function* fromOpenAIStream(
  response: Response,
  touch: () => void,
): AsyncGenerator<ModelResponse> {
  if (!response.body) throw new ModelError('OpenAI-compatible server sent an empty stream');
  let text = '';
  let reasoning = '';
  const calls = new Map<number, { id?: string; name: string; args: string; index: number }>();
  let usage: Usage | undefined;
  let finishReason: string | undefined;
  let sawDone = false;
  for await (const message of readServerSentEvents(response.body)) {
    touch();
    if (message.data === '[DONE]') {
      sawDone = true;
      break;
    }
    if (message.data.trim() === '') continue;
    let chunk: WireCompletion;
    try {
      chunk = JSON.parse(message.data) as WireCompletion;
    } catch (error) {
      throw new ModelError('OpenAI-compatible server sent a malformed stream chunk', {
        cause: error,
      });
    }
    if (message.event === 'error' && !chunk.error) chunk.error = { message: message.data };
    throwIfError(chunk);
    usage = usageOf(chunk) ?? usage;
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    if (choice.finish_reason) finishReason = choice.finish_reason;
    const delta = choice.delta ?? {};
    const thought = delta.reasoning_content ?? delta.reasoning;
    if (thought) {
      reasoning += thought;
      yield {
        partial: true,
        content: { role: 'model', parts: [{ text: thought, thought: true }] },
      };
    }
    if (delta.content) {
      text += delta.content;
      yield { partial: true, content: { role: 'model', parts: [{ text: delta.content }] } };
    }
    for (const call of delta.tool_calls ?? []) {
      const index = call.index ?? indexWithoutOne(calls, call.id);
      let entry = calls.get(index);
      if (!entry) {
        entry = { name: '', args: '', index };
        calls.set(index, entry);
      }
      if (call.id) entry.id = call.id;
      if (call.function?.name) entry.name = call.function.name;
      if (call.function?.arguments) entry.args += call.function.arguments;
    }
  }
  if (!sawDone && finishReason === undefined) {
    throw new ModelError('OpenAI-compatible stream ended before the answer was complete', {
      retryable: true,
    });
  }
  const ordered = [...calls.values()].sort((a, b) => a.index - b.index);
  yield complete(reasoning, text, ordered, finishReason, usage);
}

/** Some servers omit `index`: a known id continues its call, no id continues the last one. */
function indexWithoutOne(
  calls: Map<number, { id?: string; index: number }>,
  id: string | undefined,
): number {
  const entries = [...calls.values()];
  if (id !== undefined) return entries.find((entry) => entry.id === id)?.index ?? calls.size;
  return entries.at(-1)?.index ?? 0;
}

function complete(
  reasoning: string,
  text: string,
  calls: { id?: string | undefined; name: string; args: string; index: number }[],
  finishReason: string | undefined,
  usage: Usage | undefined,
): ModelResponse {
  const parts: Part[] = [];
  if (reasoning) parts.push({ text: reasoning, thought: true });
  if (text) parts.push({ text });
  for (const call of calls) {
    if (!call.name) throw new ModelBehaviorError('The model sent a tool call without a name');
    parts.push({
      functionCall: {
        id: call.id || generatedCallId(),
        name: call.name,
        args: parseArguments(call.name, call.args),
      },
    });
  }
  const response: ModelResponse = { content: { role: 'model', parts } };
  if (finishReason !== undefined) response.finishReason = finishReason;
  if (usage) response.usage = usage;
  return response;
}

function parseArguments(name: string, text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelBehaviorError(`The model sent malformed JSON arguments for tool '${name}'`, {
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelBehaviorError(
      `The model sent arguments for tool '${name}' that are not an object`,
    );
  }
  return parsed as Record<string, unknown>;
}

function usageOf(chunk: WireCompletion): Usage | undefined {
  if (!chunk.usage) return undefined;
  const usage: Usage = {};
  if (typeof chunk.usage.prompt_tokens === 'number') usage.inputTokens = chunk.usage.prompt_tokens;
  if (typeof chunk.usage.completion_tokens === 'number') {
    usage.outputTokens = chunk.usage.completion_tokens;
  }
  return usage;
}

function throwIfError(chunk: WireCompletion): void {
  const error = chunk.error;
  if (error === undefined || error === null) return;
  const message = typeof error === 'string' ? error : (error.message ?? 'unknown error');
  const code = typeof error === 'object' ? error.code : undefined;
  const status = typeof code === 'number' ? code : Number.parseInt(String(code), 10);
  const known = Number.isInteger(status) && status >= 400 && status < 600;
  throw new ModelError(`OpenAI-compatible server reported an error: ${message}`, {
    ...(known ? { status } : {}),
    retryable: known ? status === 429 || status >= 500 : false,
  });
}
