import { ParseError } from 'eventsource-parser';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import {
  FerriteError,
  InvalidArgumentError,
  TargetError,
  textOf,
  type InvocationContext,
  IdleTimeout,
  RetryPolicy,
  parseRetryAfter,
  type RetryPolicyConfig,
} from '@ferrite/core';
import { describeUrl } from '../internal/describe-url.js';
import { abortError } from '../internal/abort.js';
import { substituteRecord, substituteVariables } from '../internal/substitute-variables.js';
import { TargetAgent, type TargetAgentConfig } from '../internal/target-agent.js';
import type { TargetReply } from '../internal/target-reply.js';
import { asText, preview } from '../protocol/target-message.js';
import { BodyTemplate, DEFAULT_BODY_TEMPLATE } from './body-template.js';
import { parseJsonPath, valueAt, type JsonPath } from './json-path.js';

/** When to try a request again: core's {@link RetryPolicyConfig}, shared by every HTTP client. */
export type HttpRetryConfig = RetryPolicyConfig;

/** Configuration of an {@link HttpAgent}. */
export interface HttpAgentConfig extends TargetAgentConfig {
  /** The endpoint; `${VAR}` is substituted from the environment. */
  url: string;
  /** Default `POST`. */
  method?: string;
  /** Request headers; `${VAR}` in a value is substituted from the environment. */
  headers?: Readonly<Record<string, string>>;
  /** JSON body (a value or JSON text) with `{{input}}`-style placeholders; see {@link BodyTemplate}. */
  bodyTemplate?: unknown;
  /** `'none'` (default): one JSON response; `'sse'`: a stream of server-sent events. */
  stream?: 'sse' | 'none';
  /** Where the text is in the response (`'none'`, default `output`) or in each event (`'sse'`, default `delta`). */
  outputPath?: string;
  /**
   * Retries on network errors, attempt timeouts and `retry.statusCodes` (core's defaults when
   * given), never once output has streamed. No retries when absent (a POST may not be idempotent).
   */
  retry?: HttpRetryConfig;
  /**
   * Timeout of one attempt: the longest wait for the response headers, and then for each
   * further server-sent event, or for the rest of a JSON body (default 120 000 ms). Waits
   * between attempts do not count.
   */
  timeoutMs?: number;
  /** Largest JSON response body, or largest single server-sent event, in bytes (default 1 MiB). */
  maxMessageBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Bytes of an error response read for the message. */
const ERROR_BODY_BYTES = 16 * 1024;

/** A failure worth another try (network error or retryable status) before any output. */
class Retryable {
  constructor(
    readonly error: TargetError,
    readonly waitMs: number | undefined,
  ) {}
}

/**
 * An agent served over HTTP: each turn sends the user's message in a JSON body and reads the
 * answer from a JSON response or a server-sent event stream.
 *
 * @example
 * ```ts
 * const agent = new HttpAgent({
 *   name: 'support',
 *   url: 'http://localhost:8000/chat',
 *   headers: { authorization: 'Bearer ${SUPPORT_API_KEY}' },
 *   bodyTemplate: { message: '{{input}}', session: '{{sessionId}}' },
 *   stream: 'sse',
 *   outputPath: 'choices[0].delta.content',
 *   retry: { maxRetries: 2, initialDelayMs: 500, statusCodes: [503] },
 * });
 * ```
 */
export class HttpAgent extends TargetAgent {
  readonly #url: string;
  readonly #method: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #body: BodyTemplate;
  readonly #stream: 'sse' | 'none';
  readonly #outputPath: JsonPath;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #maxMessageBytes: number;

  constructor(config: HttpAgentConfig) {
    super('HttpAgent', config);
    if (typeof config.url !== 'string' || config.url === '') {
      throw new InvalidArgumentError(`${this.label}: url is required`);
    }
    this.#url = config.url;
    this.#method = (config.method ?? 'POST').toUpperCase();
    this.#headers = Object.freeze({ ...config.headers });
    this.#body = new BodyTemplate(
      config.bodyTemplate ?? DEFAULT_BODY_TEMPLATE,
      `${this.label} bodyTemplate`,
    );
    const stream = config.stream ?? 'none';
    if (stream !== 'sse' && stream !== 'none') {
      throw new InvalidArgumentError(`${this.label}: stream must be 'sse' or 'none'`);
    }
    this.#stream = stream;
    this.#outputPath = parseJsonPath(
      config.outputPath ?? (stream === 'sse' ? 'delta' : 'output'),
      `${this.label} outputPath`,
    );
    this.#retry = new RetryPolicy(config.retry ?? { maxRetries: 0 }, `${this.label} retry`);
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0 && this.#timeoutMs <= 2 ** 31 - 1)) {
      throw new InvalidArgumentError(
        `${this.label}: timeoutMs must be a positive number of milliseconds up to 2147483647`,
      );
    }
    this.#maxMessageBytes = config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!(this.#maxMessageBytes > 0)) {
      throw new InvalidArgumentError(`${this.label}: maxMessageBytes must be a positive number`);
    }
  }

  protected async turn(
    context: InvocationContext,
    parentSignal: AbortSignal,
    reply: TargetReply,
  ): Promise<void> {
    const request = this.#request(context);
    let retryable: TargetError | undefined;
    try {
      await this.#retry.run(
        async (attempt) => {
          const outcome = await this.#timedAttempt(request, parentSignal, reply);
          if (!(outcome instanceof Retryable)) return;
          attempt.retryAfterMs = outcome.waitMs;
          retryable = outcome.error;
          throw outcome.error;
        },
        { signal: parentSignal, isRetryable: (error) => error === retryable },
      );
    } catch (error) {
      if (parentSignal.aborted) throw abortError(parentSignal, this.label);
      throw error;
    }
  }

  /** One attempt under its own timeout; timing out before any output is worth another try. */
  async #timedAttempt(
    request: { url: string; init: RequestInit },
    parentSignal: AbortSignal,
    reply: TargetReply,
  ): Promise<Retryable | undefined> {
    const timeout = new IdleTimeout(this.#timeoutMs, parentSignal, () =>
      this.timeoutError(this.#timeoutMs),
    );
    try {
      timeout.touch();
      return await this.#attempt(request, timeout.signal, reply, () => timeout.touch());
    } catch (error) {
      if (!timeout.signal.aborted) throw error;
      const failure = abortError(timeout.signal, this.label);
      if (timeout.timedOut && !reply.started && TargetError.isInstance(failure)) {
        return new Retryable(failure, undefined);
      }
      throw failure;
    } finally {
      timeout.dispose();
    }
  }

  #request(context: InvocationContext): { url: string; init: RequestInit } {
    const url = substituteVariables(this.#url, process.env, `${this.label} url`);
    const headers = new Headers(
      substituteRecord(this.#headers, process.env, `${this.label} headers`),
    );
    if (!headers.has('accept')) {
      headers.set('accept', this.#stream === 'sse' ? 'text/event-stream' : 'application/json');
    }
    const init: RequestInit = { method: this.#method, headers };
    if (this.#method !== 'GET' && this.#method !== 'HEAD') {
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      init.body = JSON.stringify(
        this.#body.render({
          input: textOf(context.userContent),
          sessionId: context.session.id,
          userId: context.userId,
          appName: context.appName,
          invocationId: context.invocationId,
          state: context.state.toObject(),
        }),
      );
    }
    return { url, init };
  }

  /** One try: resolves when the turn is done, or with a {@link Retryable} failure. */
  async #attempt(
    request: { url: string; init: RequestInit },
    signal: AbortSignal,
    reply: TargetReply,
    touch: () => void,
  ): Promise<Retryable | undefined> {
    const where = describeUrl(request.url);
    let response: Response;
    try {
      response = await fetch(request.url, { ...request.init, signal });
    } catch (error) {
      if (signal.aborted) throw error;
      return new Retryable(this.#networkError(`request to ${where} failed`, error), undefined);
    }
    if (!response.ok) {
      const body = await readBody(response, ERROR_BODY_BYTES).then(
        (read) => read.text,
        () => '',
      );
      const error = new TargetError(
        `${this.label}: ${where} answered HTTP ${response.status}${body ? `: ${preview(body, 500)}` : ''}`,
        { targetCode: reportedCode(body) ?? `http_${response.status}` },
      );
      if (!this.#retry.retriesStatus(response.status)) throw error;
      return new Retryable(error, parseRetryAfter(response.headers));
    }
    touch();
    return this.#stream === 'sse'
      ? this.#readEvents(response, where, reply, signal, touch)
      : this.#readJson(response, where, reply, signal);
  }

  async #readJson(
    response: Response,
    where: string,
    reply: TargetReply,
    signal: AbortSignal,
  ): Promise<Retryable | undefined> {
    let body: string;
    try {
      const read = await readBody(response, this.#maxMessageBytes);
      if (read.truncated) {
        throw new TargetError(
          `${this.label}: the response of ${where} is larger than ${this.#maxMessageBytes} bytes`,
        );
      }
      body = read.text;
    } catch (error) {
      if (TargetError.isInstance(error)) throw error;
      if (signal.aborted) throw error;
      return new Retryable(
        this.#networkError(`reading the response of ${where} failed`, error),
        undefined,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw new TargetError(`${this.label}: ${where} answered with non-JSON: ${preview(body)}`, {
        cause: error,
      });
    }
    const failure = reportedError(undefined, value);
    if (failure) throw this.#reportedError(where, failure);
    const text = asText(valueAt(value, this.#outputPath));
    if (text === undefined) {
      throw new TargetError(
        `${this.label}: the response of ${where} has nothing at ${this.#outputPath.join('.')}: ${preview(body)}`,
      );
    }
    reply.final(text);
    return undefined;
  }

  async #readEvents(
    response: Response,
    where: string,
    reply: TargetReply,
    signal: AbortSignal,
    touch: () => void,
  ): Promise<Retryable | undefined> {
    if (!response.body) throw new TargetError(`${this.label}: ${where} sent no body`);
    const events = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream({ maxBufferSize: this.#maxMessageBytes }));
    let count = 0;
    try {
      for await (const event of events) {
        touch();
        count += 1;
        if (event.data === '[DONE]') break;
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          throw new TargetError(
            `${this.label}: event ${count} from ${where} is not JSON: ${preview(event.data)}`,
            { cause: error },
          );
        }
        const failure = reportedError(event.event, data);
        if (failure) throw this.#reportedError(where, failure);
        const delta = asText(valueAt(data, this.#outputPath));
        if (delta !== undefined) reply.delta(delta);
      }
    } catch (error) {
      // Ours (a bad event, a reported error, a bound passed) or the turn's signal: as it is.
      if (signal.aborted || FerriteError.isInstance(error)) throw error;
      if (error instanceof ParseError) {
        throw new TargetError(`${this.label}: bad event stream from ${where}: ${error.message}`, {
          cause: error,
        });
      }
      const failure = this.#networkError(`the event stream of ${where} broke`, error);
      if (reply.started) throw failure;
      return new Retryable(failure, undefined);
    }
    reply.final();
    return undefined;
  }

  /** An error the service itself reported (an error body or event). */
  #reportedError(
    where: string,
    failure: { message: string; code: string | undefined },
  ): TargetError {
    return new TargetError(`${this.label}: ${where} reported an error: ${failure.message}`, {
      targetCode: failure.code,
      reportedByTarget: true,
    });
  }

  #networkError(what: string, error: unknown): TargetError {
    const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause?.message;
    const detail = error instanceof Error ? error.message : String(error);
    return new TargetError(
      `${this.label}: ${what}: ${detail}${typeof cause === 'string' ? ` (${cause})` : ''}`,
      { cause: error },
    );
  }
}

/**
 * Reads at most `limit` bytes of a response body as UTF-8 text; a longer body is cut off there
 * (`truncated`) and the rest is never downloaded.
 */
async function readBody(
  response: Response,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size));
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

/** `code` of a JSON error body like `{ "error": "...", "code": "..." }`, if there is one. */
function reportedCode(body: string): string | undefined {
  try {
    const value = JSON.parse(body) as { code?: unknown };
    return typeof value.code === 'string' ? value.code : undefined;
  } catch {
    return undefined;
  }
}

/** An error carried by an SSE event: `event: error`, or data `{ "type": "error", ... }`. */
function reportedError(
  eventName: string | undefined,
  data: unknown,
): { message: string; code: string | undefined } | undefined {
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (eventName !== 'error' && record.type !== 'error') return undefined;
  const inner = record.error;
  const message =
    typeof inner === 'string'
      ? inner
      : typeof inner === 'object' &&
          inner !== null &&
          typeof (inner as { message?: unknown }).message === 'string'
        ? (inner as { message: string }).message
        : JSON.stringify(data);
  const code = record.code ?? (inner as { type?: unknown; code?: unknown } | undefined)?.code;
  return { message, code: typeof code === 'string' ? code : undefined };
}
