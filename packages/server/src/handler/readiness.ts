import { InvalidArgumentError, abortableDelay, toFerriteError } from '@ferrite/core';
import { jsonResponse } from '../http/responses.js';
import type { RequestContext } from './request-context.js';

/** One backend check of `GET /ready`: resolves when the backend answers, rejects when it does not. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

/** How `GET /ready` checks the backends. */
export interface ReadinessOptions {
  /** The checks by name (`sessions`, `artifacts`…); none means ready while not shutting down. */
  checks: Readonly<Record<string, ReadinessCheck>>;
  /** How long one check may take before it counts as failed (default 5 000 ms). */
  timeoutMs?: number;
}

/** The resolved readiness settings a handler holds. */
export interface ReadinessSettings {
  readonly checks: ReadonlyMap<string, ReadinessCheck>;
  readonly timeoutMs: number;
}

/** Checks and freezes {@link ReadinessOptions}; InvalidArgumentError on a bad value. */
export function resolveReadiness(options: ReadinessOptions | undefined): ReadinessSettings {
  const checks = new Map<string, ReadinessCheck>();
  for (const [name, check] of Object.entries(options?.checks ?? {})) {
    if (typeof check !== 'function') {
      throw new InvalidArgumentError(`readiness.checks.${name} must be a function`);
    }
    checks.set(name, check);
  }
  const timeoutMs = options?.timeoutMs ?? 5_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidArgumentError('readiness.timeoutMs must be a positive number');
  }
  return { checks, timeoutMs };
}

/**
 * `GET /ready`: 200 `{ status: 'ready', checks }` when every check passed within its timeout,
 * else 503 `{ status: 'unavailable', checks }`, each check `'ok'` or `'failed'` (the route is
 * public, so a failure's details go to `onError`, never into the answer). A handler that is
 * shutting down answers 503 at once, so a load balancer stops sending it requests.
 */
export async function readiness(context: RequestContext): Promise<Response> {
  const { readiness: settings, tracker } = context.settings;
  if (tracker.closing) {
    return jsonResponse({ status: 'unavailable', reason: 'shutting down', checks: {} }, 503);
  }
  const names = [...settings.checks.keys()];
  const outcomes = await Promise.all(
    names.map(async (name) => {
      const controller = new AbortController();
      const check = settings.checks.get(name)!;
      try {
        await Promise.race([
          Promise.resolve().then(() => check(controller.signal)),
          abortableDelay(settings.timeoutMs, controller.signal, { unref: true }).then(() => {
            throw new Error(`the ${name} check did not answer within ${settings.timeoutMs} ms`);
          }),
        ]);
        return 'ok' as const;
      } catch (error) {
        context.settings.onError(toFerriteError(error), context.request);
        return 'failed' as const;
      } finally {
        controller.abort();
      }
    }),
  );
  const checks = Object.fromEntries(names.map((name, index) => [name, outcomes[index]]));
  const ready = outcomes.every((outcome) => outcome === 'ok');
  return jsonResponse({ status: ready ? 'ready' : 'unavailable', checks }, ready ? 200 : 503);
}
