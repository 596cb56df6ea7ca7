import { FerriteError, ModelError, abortableDelay, isAbortError } from '@ferrite/core';
import type { ResolvedHttpModelConfig } from './http-model-config.js';

/** One HTTP call of a provider, retried while nothing has been yielded yet. */
export interface RetryingCall<TItem> {
  /** Provider name used in error messages. */
  provider: string;
  /** Endpoint to post to. */
  url: string;
  /** Request body, sent as JSON. */
  body: unknown;
  /** Headers of this call, on top of the transport's. */
  headers: Record<string, string>;
  /** Retries, timeout and `fetch` to use. */
  transport: ResolvedHttpModelConfig;
  /** Cancels the call, a wait between attempts included. */
  signal: AbortSignal;
  /** Turns a successful response into items; `touch` restarts the idle timer. */
  read(response: Response, touch: () => void): AsyncIterable<TItem>;
}

const MAX_BACKOFF_MS = 30_000;
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Posts `body` as JSON and yields what `read` makes of the answer. 408, 429, 5xx, network
 * failures and timeouts are retried with exponential backoff (honouring `Retry-After`) as long
 * as no item has been yielded; after that a failure ends the call. Aborting `signal` stops at
 * once with the signal's reason, a stalled stream included.
 */
export async function* callWithRetry<TItem>(call: RetryingCall<TItem>): AsyncGenerator<TItem> {
  const { transport, signal } = call;
  for (let attempt = 0; ; attempt += 1) {
    signal.throwIfAborted();
    const attemptController = new AbortController();
    const attemptSignal = AbortSignal.any([signal, attemptController.signal]);
    let timer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        attemptController.abort(
          new ModelError(`${call.provider} did not answer within ${transport.timeoutMs} ms`, {
            retryable: true,
          }),
        );
      }, transport.timeoutMs);
    };
    const pause = (): void => clearTimeout(timer);
    let yielded = false;
    let retryAfterMs: number | undefined;
    try {
      touch();
      let response: Response;
      try {
        response = await transport.fetch(call.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...transport.headers, ...call.headers },
          body: JSON.stringify(call.body),
          signal: attemptSignal,
        });
      } catch (error) {
        throw networkError(call.provider, error, attemptSignal);
      }
      if (!response.ok) {
        retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        throw await httpError(call.provider, response, attemptSignal);
      }
      try {
        for await (const item of call.read(response, touch)) {
          pause();
          yielded = true;
          yield item;
          touch();
        }
      } catch (error) {
        if (FerriteError.isInstance(error) && !ModelError.isInstance(error)) throw error;
        throw networkError(call.provider, error, attemptSignal);
      }
      return;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (FerriteError.isInstance(error) && !ModelError.isInstance(error)) throw error;
      const failure =
        ModelError.isInstance(error) ? error : networkError(call.provider, error, attemptSignal);
      const canRetry =
        !yielded &&
        failure.retryable &&
        attempt < transport.maxRetries &&
        (retryAfterMs === undefined || retryAfterMs <= MAX_RETRY_AFTER_MS);
      if (!canRetry) throw failure;
      const backoff = Math.min(MAX_BACKOFF_MS, transport.retryDelayMs * 2 ** attempt);
      await abortableDelay(retryAfterMs ?? backoff * (0.75 + Math.random() * 0.5), signal);
    } finally {
      clearTimeout(timer);
      attemptController.abort();
    }
  }
}

/** Wraps a failure to reach or read the server; a timeout or a ModelError comes through as it is. */
function networkError(provider: string, error: unknown, attemptSignal: AbortSignal): ModelError {
  if (ModelError.isInstance(error)) return error;
  if (attemptSignal.aborted && ModelError.isInstance(attemptSignal.reason))
    return attemptSignal.reason;
  if (isAbortError(error) && ModelError.isInstance(attemptSignal.reason))
    return attemptSignal.reason;
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  const detail = [error instanceof Error ? error.message : String(error), cause?.message]
    .filter((text) => typeof text === 'string' && text.length > 0)
    .join(': ');
  return new ModelError(`${provider} network error: ${detail}`, { retryable: true, cause: error });
}

/** Builds the ModelError for a non-2xx answer from its status and JSON error body. */
async function httpError(
  provider: string,
  response: Response,
  signal: AbortSignal,
): Promise<ModelError> {
  let detail = response.statusText;
  try {
    const text = await readText(response, signal);
    detail = errorMessageOf(text) ?? (text.slice(0, 500) || detail);
  } catch {
    // The status alone still says what went wrong.
  }
  return new ModelError(`${provider} answered HTTP ${response.status}: ${detail}`, {
    status: response.status,
    retryable: isRetryableStatus(response.status),
  });
}

async function readText(response: Response, signal: AbortSignal): Promise<string> {
  signal.throwIfAborted();
  return response.text();
}

/** The `message` of a JSON error body (`{ error: { message } }` or `{ error: "..." }`), if any. */
export function errorMessageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const error = Array.isArray(parsed) ? (parsed[0] as { error?: unknown })?.error : parsed.error;
    if (typeof error === 'string') return error;
    if (
      error &&
      typeof error === 'object' &&
      typeof (error as { message?: unknown }).message === 'string'
    ) {
      return (error as { message: string }).message;
    }
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    return undefined;
  }
  return undefined;
}

/** 408, 429 and 5xx may succeed when tried again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date), if valid. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
