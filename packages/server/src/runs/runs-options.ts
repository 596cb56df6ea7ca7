import { InvalidArgumentError } from '@ferrite/core';
import type { RunTracker } from '../sse/run-tracker.js';
import { LiveRuns } from './live-runs.js';

/** What the handler does with runs when their client leaves, and how long they stay attachable. */
export interface RunsOptions {
  /**
   * `'cancel'` (default, ADK's behaviour): a client that disconnects cancels its run, unless the
   * request asks for a detached run (`detach: true` in the body or `x-ferrite-detach: true`).
   * `'continue'`: every run is detached unless the request says `detach: false`.
   */
  onDisconnect?: 'cancel' | 'continue';
  /** How long a finished run stays attachable in this process (default 60,000 ms). */
  retentionMs?: number;
  /** Events (partials included) kept per run for attaching (default 10,000). */
  maxEvents?: number;
  /** Finished runs kept for attaching at most (default 1,000). */
  maxRuns?: number;
}

/** The resolved run settings of a handler. */
export interface RunsSettings {
  readonly runs: { readonly onDisconnect: 'cancel' | 'continue' };
  readonly liveRuns: LiveRuns;
}

function count(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`runs.${field} must be a positive integer`);
  }
  return value;
}

/** Checks `HandlerOptions.runs` and builds the handler's live-run log. */
export function resolveRuns(options: RunsOptions | undefined, tracker: RunTracker): RunsSettings {
  const onDisconnect = options?.onDisconnect ?? 'cancel';
  if (onDisconnect !== 'cancel' && onDisconnect !== 'continue') {
    throw new InvalidArgumentError("runs.onDisconnect must be 'cancel' or 'continue'");
  }
  return {
    runs: Object.freeze({ onDisconnect }),
    liveRuns: new LiveRuns(
      {
        retentionMs: count(options?.retentionMs, 60_000, 'retentionMs'),
        maxEvents: count(options?.maxEvents, 10_000, 'maxEvents'),
        maxRuns: count(options?.maxRuns, 1_000, 'maxRuns'),
      },
      tracker,
    ),
  };
}
