import { InvalidArgumentError, RetryPolicy, type RetryPolicyConfig } from '@ferrite/core';

/** Transport settings shared by the HTTP model providers and `OpenAIEmbedder`. */
export interface HttpModelConfig {
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /**
   * When to try a request again (see `RetryPolicyConfig` in `@ferrite/core`; default 2 retries from
   * 500 ms, doubling, ±25 % jitter, at most 60 s; 408, 429 and 5xx but 501/505).
   */
  retry?: RetryPolicyConfig;
  /**
   * Timeout of one attempt: the longest wait for the response headers, and then for each
   * further piece of the answer (a stream chunk, or the rest of a JSON body). Waits between
   * attempts do not count. Defaults: 300 000 ms for models (a non-streaming answer arrives
   * only when complete), 60 000 ms for `OpenAIEmbedder`.
   */
  timeoutMs?: number;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof globalThis.fetch;
}

/** {@link HttpModelConfig} with its defaults filled. */
export interface ResolvedHttpModelConfig {
  /** Extra headers sent with every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** The retry policy, checked. */
  readonly retry: RetryPolicy;
  /** Timeout of one attempt in milliseconds. */
  readonly timeoutMs: number;
  /** The `fetch` used. */
  readonly fetch: typeof globalThis.fetch;
}

/** Fills the transport defaults and checks the numbers; `label` names the class in errors. */
export function resolveHttpModelConfig(
  config: HttpModelConfig,
  label: string,
  defaults: { timeoutMs: number },
): ResolvedHttpModelConfig {
  const timeoutMs = config.timeoutMs ?? defaults.timeoutMs;
  const retry = new RetryPolicy(config.retry, `${label} retry`);
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
    // setTimeout fires at once for delays past 2^31 - 1 ms, which would time every attempt out.
    throw new InvalidArgumentError(
      `${label}: timeoutMs must be a positive number of milliseconds up to 2147483647`,
    );
  }
  return Object.freeze({
    headers: Object.freeze({ ...config.headers }),
    retry,
    timeoutMs,
    fetch: config.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  });
}
