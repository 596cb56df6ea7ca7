/** Options of {@link abortableDelay}. */
export interface AbortableDelayOptions {
  /** Lets the process exit while the delay is pending (for grace periods and back-off timers). */
  unref?: boolean;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableDelay(
  ms: number,
  signal?: AbortSignal,
  options: AbortableDelayOptions = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (options.unref) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
