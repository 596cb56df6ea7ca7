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
import { toOpenAIRequest } from './openai-request.js';
import { fromOpenAICompletion, fromOpenAIStream } from './openai-response.js';
import { readJsonBody } from '../http/read-json-body.js';

/** Settings of an {@link OpenAIChatModel}. */
export interface OpenAIChatModelConfig extends HttpModelConfig {
  /** Server root including the version path, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseURL: string;
  /** Sent as a bearer token; optional for local servers that need none. */
  apiKey?: string;
  /** Model id as the server knows it. */
  model: string;
}

/**
 * A {@link Model} for any server that speaks the OpenAI Chat Completions API (OpenAI, Ollama,
 * vLLM, LM Studio, llama.cpp), with streaming, tool calls, retries and cancellation.
 *
 * @example
 * ```ts
 * const model = new OpenAIChatModel({
 *   baseURL: 'https://api.openai.com/v1',
 *   apiKey: process.env.OPENAI_API_KEY,
 *   model: 'gpt-4o-mini',
 * });
 * const agent = new LlmAgent({ name: 'assistant', model, instruction: 'Be brief.' });
 * ```
 */
export class OpenAIChatModel implements Model {
  /** The model id as the server knows it. */
  readonly name: string;
  readonly #url: string;
  readonly #apiKey: string | undefined;
  readonly #transport: ResolvedHttpModelConfig;

  constructor(config: OpenAIChatModelConfig) {
    const check = (ok: boolean, message: string): void => {
      if (!ok) throw new InvalidArgumentError(`OpenAIChatModel: ${message}`);
    };
    check(
      typeof config.baseURL === 'string' && /^https?:\/\//.test(config.baseURL),
      'baseURL must be an http(s) URL',
    );
    check(
      typeof config.model === 'string' && config.model.length > 0,
      'model must be a non-empty string',
    );
    this.name = config.model;
    this.#url = `${config.baseURL.replace(/\/+$/, '')}/chat/completions`;
    this.#apiKey = config.apiKey;
    this.#transport = resolveHttpModelConfig(config, 'OpenAIChatModel', { timeoutMs: 300_000 });
  }

  /** Posts to `/chat/completions`, streaming with SSE when asked. */
  async *generate(request: ModelRequest, options: GenerateOptions): AsyncGenerator<ModelResponse> {
    const headers: Record<string, string> = options.stream ? { accept: 'text/event-stream' } : {};
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    yield* callWithRetry({
      provider: 'OpenAI-compatible server',
      url: this.#url,
      body: toOpenAIRequest(this.name, request, options.stream),
      headers,
      secret: this.#apiKey,
      transport: this.#transport,
      signal: options.signal,
      read: options.stream ? fromOpenAIStream : readCompletion,
    });
  }
}

async function* readCompletion(response: Response): AsyncGenerator<ModelResponse> {
  const body = await readJsonBody(response, 'OpenAI-compatible server');
  yield fromOpenAICompletion(body as Parameters<typeof fromOpenAICompletion>[0]);
}
