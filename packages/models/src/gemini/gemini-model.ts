import {
  InvalidArgumentError,
  type GenerateOptions,
  type Model,
  type ModelRequest,
  type ModelResponse,
} from '@ferrite/core';
import { callWithRetry } from '../http/call-with-retry.js';
import {
  resolveHttpModelConfig,
  type HttpModelConfig,
  type ResolvedHttpModelConfig,
} from '../http/http-model-config.js';
import { toGeminiRequest } from './gemini-request.js';
import { fromGeminiResponse, fromGeminiStream } from './gemini-response.js';
import { readJsonBody } from '../http/read-json-body.js';

/** Settings of a {@link GeminiModel}. */
export interface GeminiModelConfig extends HttpModelConfig {
  /** Sent in the `x-goog-api-key` header. */
  apiKey: string;
  /** Model id, e.g. `gemini-2.5-flash` (a leading `models/` is accepted). */
  model: string;
  /** API root; default `https://generativelanguage.googleapis.com/v1beta`. */
  baseURL?: string;
}

/**
 * A {@link Model} for the Gemini REST API (`generateContent` and `streamGenerateContent`), with
 * function calling, retries and cancellation.
 *
 * @example
 * ```ts
 * const model = new GeminiModel({ apiKey: process.env.GEMINI_API_KEY!, model: 'gemini-2.5-flash' });
 * const agent = new LlmAgent({ name: 'assistant', model, instruction: 'Be brief.' });
 * ```
 */
export class GeminiModel implements Model {
  /** The model id, without a `models/` prefix. */
  readonly name: string;
  readonly #baseURL: string;
  readonly #apiKey: string;
  readonly #transport: ResolvedHttpModelConfig;

  constructor(config: GeminiModelConfig) {
    const check = (ok: boolean, message: string): void => {
      if (!ok) throw new InvalidArgumentError(`GeminiModel: ${message}`);
    };
    const baseURL = config.baseURL ?? 'https://generativelanguage.googleapis.com/v1beta';
    check(/^https?:\/\//.test(baseURL), 'baseURL must be an http(s) URL');
    check(
      typeof config.model === 'string' && config.model.length > 0,
      'model must be a non-empty string',
    );
    check(typeof config.apiKey === 'string', 'apiKey must be a string');
    this.name = config.model.replace(/^models\//, '');
    this.#baseURL = baseURL.replace(/\/+$/, '');
    this.#apiKey = config.apiKey;
    this.#transport = resolveHttpModelConfig(config, 'GeminiModel', { timeoutMs: 300_000 });
  }

  /** Calls `generateContent`, or `streamGenerateContent` with `alt=sse` when streaming. */
  async *generate(request: ModelRequest, options: GenerateOptions): AsyncGenerator<ModelResponse> {
    const model = encodeURIComponent(this.name);
    const url = options.stream
      ? `${this.#baseURL}/models/${model}:streamGenerateContent?alt=sse`
      : `${this.#baseURL}/models/${model}:generateContent`;
    const headers: Record<string, string> = { 'x-goog-api-key': this.#apiKey };
    if (options.stream) headers.accept = 'text/event-stream';
    yield* callWithRetry({
      provider: 'Gemini',
      url,
      body: toGeminiRequest(request),
      headers,
      secret: this.#apiKey,
      transport: this.#transport,
      signal: options.signal,
      read: options.stream ? fromGeminiStream : readResponse,
    });
  }
}

async function* readResponse(response: Response): AsyncGenerator<ModelResponse> {
  const body = await readJsonBody(response, 'Gemini');
  yield fromGeminiResponse(body as Parameters<typeof fromGeminiResponse>[0]);
}
