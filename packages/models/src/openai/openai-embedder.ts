import { InvalidArgumentError, ModelError, type Embedder } from '@ferrite/core';
import { callWithRetry } from '../http/call-with-retry.js';
import {
  resolveHttpModelConfig,
  type HttpModelConfig,
  type ResolvedHttpModelConfig,
} from '../http/http-model-config.js';
import { readJsonBody } from '../http/read-json-body.js';

/** Configuration of an {@link OpenAIEmbedder}. */
export interface OpenAIEmbedderConfig extends HttpModelConfig {
  /** Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`; `/embeddings` is appended. */
  baseURL: string;
  /** Sent as `Authorization: Bearer …`; omit for local servers that need none. */
  apiKey?: string;
  /** Embedding model name, sent as `model`. */
  model: string;
  /**
   * Length of the vectors. Needed for models whose size is not known here; for
   * `text-embedding-3-*` models it is also sent, so the API shortens the vectors.
   */
  dimensions?: number;
  /** Texts per request (default 128). */
  batchSize?: number;
}

const PROVIDER = 'OpenAI-compatible embeddings server';

const KNOWN_DIMENSIONS: Readonly<Record<string, number>> = Object.freeze({
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
});

interface EmbeddingsResponse {
  data?: { index?: number; embedding?: unknown }[];
}

/**
 * An {@link Embedder} for any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure-style
 * proxies, Ollama, vLLM, LM Studio...), over plain `fetch`, with the same transport, retry
 * policy and errors as {@link OpenAIChatModel}.
 *
 * @example
 * ```ts
 * const embedder = new OpenAIEmbedder({
 *   baseURL: 'https://api.openai.com/v1',
 *   apiKey: process.env.OPENAI_API_KEY,
 *   model: 'text-embedding-3-small',
 * });
 * const [vector] = await embedder.embed(['hello']);
 * ```
 */
export class OpenAIEmbedder implements Embedder {
  /** Length of every vector. */
  readonly dimensions: number;
  readonly #url: string;
  readonly #model: string;
  readonly #apiKey: string | undefined;
  readonly #sendDimensions: boolean;
  readonly #batchSize: number;
  readonly #transport: ResolvedHttpModelConfig;

  constructor(config: OpenAIEmbedderConfig) {
    if (typeof config.baseURL !== 'string' || !/^https?:\/\//.test(config.baseURL)) {
      throw new InvalidArgumentError(
        'OpenAIEmbedder needs a baseURL such as https://api.openai.com/v1',
      );
    }
    if (typeof config.model !== 'string' || config.model.length === 0) {
      throw new InvalidArgumentError('OpenAIEmbedder needs a model');
    }
    const dimensions = config.dimensions ?? KNOWN_DIMENSIONS[config.model];
    if (dimensions === undefined) {
      throw new InvalidArgumentError(`OpenAIEmbedder needs dimensions for model "${config.model}"`);
    }
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new InvalidArgumentError('OpenAIEmbedder dimensions must be a positive integer');
    }
    const batchSize = config.batchSize ?? 128;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new InvalidArgumentError('OpenAIEmbedder batchSize must be a positive integer');
    }
    this.dimensions = dimensions;
    this.#batchSize = batchSize;
    this.#model = config.model;
    this.#apiKey = config.apiKey;
    this.#sendDimensions =
      config.dimensions !== undefined && config.model.startsWith('text-embedding-3');
    this.#url = `${config.baseURL.replace(/\/+$/, '')}/embeddings`;
    this.#transport = resolveHttpModelConfig(config, 'OpenAIEmbedder', { timeoutMs: 60_000 });
  }

  /** One vector per text, in order; several requests when there are more texts than `batchSize`. */
  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.#batchSize) {
      vectors.push(
        ...(await this.#embedBatch(texts.slice(start, start + this.#batchSize), options.signal)),
      );
    }
    return vectors;
  }

  async #embedBatch(input: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const calls = callWithRetry({
      provider: PROVIDER,
      url: this.#url,
      body: {
        model: this.#model,
        input,
        encoding_format: 'float',
        ...(this.#sendDimensions ? { dimensions: this.dimensions } : {}),
      },
      headers: this.#apiKey ? { authorization: `Bearer ${this.#apiKey}` } : {},
      secret: this.#apiKey,
      transport: this.#transport,
      signal,
      read: (response) => this.#read(response, input.length),
    });
    for await (const vectors of calls) return vectors;
    throw new ModelError(`${PROVIDER} sent no embeddings for ${this.#model}`);
  }

  async *#read(response: Response, expected: number): AsyncGenerator<number[][]> {
    yield this.#parse((await readJsonBody(response, PROVIDER)) as EmbeddingsResponse, expected);
  }

  #parse(response: EmbeddingsResponse, expected: number): number[][] {
    const data = Array.isArray(response?.data) ? [...response.data] : [];
    data.sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0));
    const vectors = data.map((item) => item?.embedding);
    if (
      vectors.length !== expected ||
      !vectors.every(
        (vector): vector is number[] =>
          Array.isArray(vector) &&
          vector.length === this.dimensions &&
          vector.every((value) => typeof value === 'number'),
      )
    ) {
      throw new ModelError(
        `embeddings response of ${this.#model} does not hold ${expected} vectors of ${this.dimensions} numbers`,
      );
    }
    return vectors;
  }
}
