import { InvalidArgumentError, ModelError, abortableDelay, type Embedder } from '@ferrite/core';

/** Configuration of an {@link OpenAIEmbedder}. */
export interface OpenAIEmbedderConfig {
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
  /** Further attempts after a 408, 429, 5xx, timeout or network failure (default 3). */
  maxRetries?: number;
  /** Longest wait for one attempt, response body included, in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** First backoff in milliseconds, doubled per attempt, with jitter (default 500). */
  initialBackoffMs?: number;
  /** Longest wait between attempts, including one asked for by `Retry-After` (default 30 s). */
  maxBackoffMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
}

const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

interface EmbeddingsResponse {
  data?: { index?: number; embedding?: unknown }[];
}

/**
 * An {@link Embedder} for any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure-style
 * proxies, Ollama, vLLM, LM Studio...), over plain `fetch`, with retries on 429 and 5xx.
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
  readonly #config: Readonly<OpenAIEmbedderConfig>;
  readonly #sendDimensions: boolean;
  readonly #batchSize: number;
  readonly #maxRetries: number;
  readonly #timeoutMs: number;

  constructor(config: OpenAIEmbedderConfig) {
    if (typeof config.baseURL !== 'string' || !URL.canParse(config.baseURL)) {
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
    this.dimensions = dimensions;
    this.#batchSize = positiveInteger(config.batchSize, 128, 'batchSize', 1);
    this.#maxRetries = positiveInteger(config.maxRetries, 3, 'maxRetries', 0);
    this.#timeoutMs = positiveInteger(config.timeoutMs, 60_000, 'timeoutMs', 1);
    this.#sendDimensions =
      config.dimensions !== undefined && config.model.startsWith('text-embedding-3');
    this.#url = `${config.baseURL.replace(/\/+$/, '')}/embeddings`;
    this.#config = Object.freeze({ ...config });
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
    const body = JSON.stringify({
      model: this.#config.model,
      input,
      encoding_format: 'float',
      ...(this.#sendDimensions ? { dimensions: this.dimensions } : {}),
    });
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let failure: ModelError;
      let retryAfterMs: number | undefined;
      const timeout = AbortSignal.timeout(this.#timeoutMs);
      const attemptSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        const response = await (this.#config.fetch ?? fetch)(this.#url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(this.#config.apiKey ? { authorization: `Bearer ${this.#config.apiKey}` } : {}),
            ...this.#config.headers,
          },
          body,
          signal: attemptSignal,
        });
        if (response.ok)
          return this.#parse((await response.json()) as EmbeddingsResponse, input.length);
        const retryable =
          response.status === 408 || response.status === 429 || response.status >= 500;
        failure = new ModelError(
          `embeddings request to ${this.#config.model} failed with HTTP ${response.status}${redact(await errorText(response), this.#config.apiKey)}`,
          { status: response.status, retryable },
        );
        retryAfterMs = parseRetryAfter(response.headers);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (ModelError.isInstance(error)) throw error;
        const reason = timeout.aborted
          ? `did not answer within ${this.#timeoutMs} ms`
          : `failed: ${describe(error)}`;
        failure = new ModelError(`embeddings request to ${this.#config.model} ${reason}`, {
          cause: error,
          retryable: true,
        });
      }
      if (!failure.retryable || attempt >= this.#maxRetries) throw failure;
      const backoff =
        (this.#config.initialBackoffMs ?? 500) * 2 ** attempt * (0.5 + Math.random() / 2);
      await abortableDelay(
        Math.min(retryAfterMs ?? backoff, this.#config.maxBackoffMs ?? 30_000),
        signal,
      );
    }
  }

  #parse(response: EmbeddingsResponse, expected: number): number[][] {
    const data = Array.isArray(response.data) ? [...response.data] : [];
    data.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const vectors = data.map((item) => item.embedding);
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
        `embeddings response of ${this.#config.model} does not hold ${expected} vectors of ${this.dimensions} numbers`,
      );
    }
    return vectors;
  }
}

function positiveInteger(
  value: number | undefined,
  fallback: number,
  field: string,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`OpenAIEmbedder ${field} must be an integer of at least ${min}`);
  }
  return value;
}

/** Milliseconds asked for by `retry-after-ms` or `Retry-After` (seconds or an HTTP date). */
function parseRetryAfter(headers: Headers): number | undefined {
  const milliseconds = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The provider's error message (OpenAI shape `{ error: { message } }`), shortened. */
async function errorText(response: Response): Promise<string> {
  try {
    const text = await response.text();
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown } | string };
      const inner = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message;
      if (typeof inner === 'string') message = inner;
    } catch {
      // Not JSON: keep the text.
    }
    message = message.trim();
    return message ? `: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}` : '';
  } catch {
    return '';
  }
}

/** Removes the API key, and key-like tokens providers echo back half-masked, from `text`. */
function redact(text: string, apiKey: string | undefined): string {
  const withoutKey = apiKey ? text.split(apiKey).join('***') : text;
  return withoutKey.replace(/\b(sk|key)-[A-Za-z0-9*_-]{4,}/g, '$1-***');
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
