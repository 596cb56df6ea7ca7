import { FerriteError, TargetError } from '@ferrite/core';

/**
 * A signal that aborts when `parent` does or after `timeoutMs` (with `onTimeout()` as reason).
 * Call `dispose` when done so the timer does not keep the process alive.
 */
export function turnSignal(
  parent: AbortSignal,
  timeoutMs: number,
  onTimeout: () => Error,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  const timer = Number.isFinite(timeoutMs)
    ? setTimeout(() => controller.abort(onTimeout()), timeoutMs)
    : undefined;
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

/** The error a turn fails with when its signal aborted: the reason if it is ours, else a TargetError. */
export function abortError(signal: AbortSignal, label: string): Error {
  const reason: unknown = signal.reason;
  if (FerriteError.isInstance(reason)) return reason;
  return new TargetError(`${label}: the turn was cancelled`, { cause: reason });
}
