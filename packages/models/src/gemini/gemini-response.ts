import { ModelError, type ModelResponse, type Part, type Usage } from '@ferrite/core';
import { readServerSentEvents } from '../http/read-server-sent-events.js';
import { generatedCallId } from '../http/call-ids.js';

interface WirePart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: { id?: string; name: string; args?: Record<string, unknown> };
}

interface WireResponse {
  candidates?: { content?: { parts?: WirePart[] }; finishReason?: string }[];
  usageMetadata?: {
    promptTokenCount?: number;
    candidatesTokenCount?: number;
    thoughtsTokenCount?: number;
  };
  promptFeedback?: { blockReason?: string };
  error?: { code?: number; message?: string; status?: string };
}

/** Accumulates Gemini response chunks into one complete ModelResponse. */
class GeminiAnswer {
  #thought = '';
  #text = '';
  #textSignature: string | undefined;
  readonly #others: Part[] = [];
  #finishReason: string | undefined;
  #usage: Usage | undefined;
  #blockReason: string | undefined;

  /** Adds one chunk and returns its new text parts (for partial responses). */
  add(chunk: WireResponse): Part[] {
    throwIfError(chunk);
    if (chunk.usageMetadata) this.#usage = usageOf(chunk.usageMetadata);
    if (chunk.promptFeedback?.blockReason) this.#blockReason = chunk.promptFeedback.blockReason;
    const candidate = chunk.candidates?.[0];
    if (candidate?.finishReason) this.#finishReason = candidate.finishReason;
    const fresh: Part[] = [];
    for (const part of candidate?.content?.parts ?? []) {
      if (part.functionCall) {
        this.#others.push({
          functionCall: {
            id: part.functionCall.id || generatedCallId(),
            name: part.functionCall.name,
            args: part.functionCall.args ?? {},
          },
          ...(part.thoughtSignature ? { thoughtSignature: part.thoughtSignature } : {}),
        });
      } else if (typeof part.text === 'string') {
        if (part.thought) this.#thought += part.text;
        else this.#text += part.text;
        if (!part.thought && part.thoughtSignature) this.#textSignature = part.thoughtSignature;
        if (part.text)
          fresh.push(part.thought ? { text: part.text, thought: true } : { text: part.text });
      } else if (part.inlineData) {
        this.#others.push({ inlineData: { ...part.inlineData } });
      } else if (part.fileData) {
        this.#others.push({ fileData: { ...part.fileData } });
      }
    }
    return fresh;
  }

  response(): ModelResponse {
    const parts: Part[] = [];
    if (this.#thought) parts.push({ text: this.#thought, thought: true });
    if (this.#text || this.#textSignature) {
      parts.push(
        this.#textSignature
          ? { text: this.#text, thoughtSignature: this.#textSignature }
          : { text: this.#text },
      );
    }
    parts.push(...this.#others);
    const response: ModelResponse = { content: { role: 'model', parts } };
    if (this.#finishReason) response.finishReason = this.#finishReason;
    if (this.#usage) response.usage = this.#usage;
    if (this.#blockReason) {
      response.errorCode = this.#blockReason;
      response.errorMessage = `The prompt was blocked: ${this.#blockReason}`;
    } else if (parts.length === 0 && this.#finishReason && this.#finishReason !== 'STOP') {
      response.errorCode = this.#finishReason;
      response.errorMessage = `The model stopped without an answer: ${this.#finishReason}`;
    }
    return response;
  }
}

/** Turns a non-streaming `generateContent` answer into a ModelResponse. */
export function fromGeminiResponse(body: WireResponse): ModelResponse {
  const answer = new GeminiAnswer();
  answer.add(body);
  return answer.response();
}

/** Reads a `streamGenerateContent?alt=sse` stream: text becomes partial responses, then the whole answer. */
export async function* fromGeminiStream(
  response: Response,
  touch: () => void,
): AsyncGenerator<ModelResponse> {
  if (!response.body) throw new ModelError('Gemini sent an empty stream');
  const answer = new GeminiAnswer();
  let chunks = 0;
  for await (const message of readServerSentEvents(response.body)) {
    touch();
    if (message.data.trim() === '') continue;
    let chunk: WireResponse;
    try {
      chunk = JSON.parse(message.data) as WireResponse;
    } catch (error) {
      throw new ModelError('Gemini sent a malformed stream chunk', { cause: error });
    }
    chunks += 1;
    const fresh = answer.add(chunk);
    if (fresh.length > 0) yield { partial: true, content: { role: 'model', parts: fresh } };
  }
  if (chunks === 0)
    throw new ModelError('Gemini stream ended without an answer', { retryable: true });
  yield answer.response();
}

function usageOf(metadata: NonNullable<WireResponse['usageMetadata']>): Usage {
  const usage: Usage = {};
  if (metadata.promptTokenCount !== undefined) usage.inputTokens = metadata.promptTokenCount;
  if (metadata.candidatesTokenCount !== undefined || metadata.thoughtsTokenCount !== undefined) {
    usage.outputTokens = (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0);
  }
  return usage;
}

function throwIfError(chunk: WireResponse): void {
  if (!chunk.error) return;
  const status = chunk.error.code;
  const known = typeof status === 'number' && status >= 400 && status < 600;
  throw new ModelError(
    `Gemini reported an error: ${chunk.error.message ?? chunk.error.status ?? 'unknown'}`,
    {
      ...(known ? { status } : {}),
      retryable: known ? status === 429 || status >= 500 : false,
    },
  );
}
