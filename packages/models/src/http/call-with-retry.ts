import {
  FerriteError,
  IdleTimeout,
  ModelError,
  isAbortError,
  parseRetryAfter,
} from '@ferrite/core';
import type { ResolvedHttpModelConfig } from './http-model-config.js';
import { redactSecret } from './redact-secret.js';

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
  /** The API key, masked in error messages should the server echo it back. */
  secret?: string | undefined;
  /** Retry policy, timeout and `fetch` to use. */
  transport: ResolvedHttpModelConfig;
  /** Cancels the call, a wait between attempts included. */
  signal?: AbortSignal | undefined;
  /** Turns a successful response into items; `touch` restarts the attempt's timeout. */
  read(response: Response, touch: () => void): AsyncIterable<TItem>;
}

/** An attempt that got its first item: the rest is read without retries. */
interface OpenedCall<TItem> {
  iterator: AsyncIterator<TItem>;
  first: IteratorResult<TItem>;
  timeout: IdleTimeout;
}

/**
 * Posts `body` as JSON and yields what `read` makes of the answer. Failures are retried by the
 * transport's {@link RetryPolicy} (its statuses, network failures, timeouts, a retryable
 * `ModelError` from `read`) until the first item arrives; after that a failure ends the call.
 * Aborting `signal` stops at once with the signal's reason, a stalled stream included.
 */
export async function* callWithRetry<TItem>(call: RetryingCall<TItem>): AsyncGenerator<TItem> {
  const { signal } = call;
  const opened = await call.transport.retry.run((attempt) => open(call, attempt), {
    signal,
    isRetryable: (error) => ModelError.isInstance(error) && error.retryable,
  });
  const { iterator, timeout } = opened;
  let next = opened.first;
  let finished = false;
  try {
    while (!next.done) {
      yield next.value;
      timeout.touch();
      try {
        next = await iterator.next();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw readError(call.provider, error, timeout);
      }
      timeout.pause();
    }
    finished = true;
  } finally {
    if (!finished) await iterator.return?.().catch(() => undefined);
    timeout.dispose();
  }
}

/** One attempt: sends the request and waits for the first item of the answer. */
async function open<TItem>(
  call: RetryingCall<TItem>,
  attempt: { retryAfterMs: number | undefined },
): Promise<OpenedCall<TItem>> {
  const { transport } = call;
  const timeout = new IdleTimeout(
    transport.timeoutMs,
    call.signal,
    () =>
      new ModelError(`${call.provider} did not answer within ${transport.timeoutMs} ms`, {
        retryable: true,
      }),
  );
  try {
    timeout.touch();
    let response: Response;
    try {
      response = await transport.fetch(call.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...transport.headers, ...call.headers },
        body: JSON.stringify(call.body),
        signal: timeout.signal,
      });
    } catch (error) {
      throw readError(call.provider, error, timeout);
    }
    if (!response.ok) {
      attempt.retryAfterMs = parseRetryAfter(response.headers);
      throw await httpError(call, response, timeout.signal);
    }
    timeout.touch();
    const iterator = call.read(response, () => timeout.touch())[Symbol.asyncIterator]();
    let first: IteratorResult<TItem>;
    try {
      first = await iterator.next();
    } catch (error) {
      throw readError(call.provider, error, timeout);
    }
    timeout.pause();
    return { iterator, first, timeout };
  } catch (error) {
    timeout.dispose();
    throw error;
  }
}

/**
 * What a failure to reach or read the server becomes: a Ferrite error as it is (a `ModelError`
 * keeps its `retryable`), the timeout's `ModelError` when the attempt timed out, else a
 * retryable `ModelError` naming the network failure.
 */
function readError(provider: string, error: unknown, timeout: IdleTimeout): FerriteError {
  if (FerriteError.isInstance(error)) return error;
  if (timeout.timedOut && ModelError.isInstance(timeout.signal.reason))
    return timeout.signal.reason;
  if (isAbortError(error) && ModelError.isInstance(timeout.signal.reason)) {
    return timeout.signal.reason;
  }
  const cause = (error as { cause?: { message?: unknown } } | undefined)?.cause;
  const detail = [error instanceof Error ? error.message : String(error), cause?.message]
    .filter((text) => typeof text === 'string' && text.length > 0)
    .join(': ');
  return new ModelError(`${provider} network error: ${detail}`, { retryable: true, cause: error });
}

/** Builds the ModelError for a non-2xx answer from its status and JSON error body, key masked. */
async function httpError(
  call: RetryingCall<unknown>,
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
  return new ModelError(
    `${call.provider} answered HTTP ${response.status}: ${redactSecret(detail, call.secret)}`,
    { status: response.status, retryable: call.transport.retry.retriesStatus(response.status) },
  );
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
