/** Transport settings shared by the HTTP model providers. */
export interface HttpModelConfig {
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Attempts after the first one for 408, 429, 5xx and network failures (default 2). */
  maxRetries?: number;
  /** Longest wait for the response headers and then between two stream chunks (default 300 000 ms: a non-streaming answer arrives only when complete). */
  timeoutMs?: number;
  /** Base of the exponential backoff between attempts when the server gives no `Retry-After` (default 500 ms). */
  retryDelayMs?: number;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof globalThis.fetch;
}

/** {@link HttpModelConfig} with its defaults filled. */
export interface ResolvedHttpModelConfig {
  /** Extra headers sent with every request. */
  readonly headers: Readonly<Record<string, string>>;
  /** Attempts after the first one. */
  readonly maxRetries: number;
  /** Idle timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Base of the exponential backoff in milliseconds. */
  readonly retryDelayMs: number;
  /** The `fetch` used. */
  readonly fetch: typeof globalThis.fetch;
}

/** Fills the transport defaults and checks the numbers. */
export function resolveHttpModelConfig(
  config: HttpModelConfig,
  validate: (ok: boolean, message: string) => void,
): ResolvedHttpModelConfig {
  const maxRetries = config.maxRetries ?? 2;
  const timeoutMs = config.timeoutMs ?? 300_000;
  const retryDelayMs = config.retryDelayMs ?? 500;
  validate(
    Number.isInteger(maxRetries) && maxRetries >= 0,
    'maxRetries must be a non-negative integer',
  );
  validate(timeoutMs > 0, 'timeoutMs must be positive');
  validate(retryDelayMs >= 0, 'retryDelayMs must be non-negative');
  return Object.freeze({
    headers: Object.freeze({ ...config.headers }),
    maxRetries,
    timeoutMs,
    retryDelayMs,
    fetch: config.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  });
}
