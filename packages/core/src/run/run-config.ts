import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { GenerateConfig, Model } from '../model/model.js';
import type { InputGuardrail, OutputGuardrail } from './guardrail.js';
import type { TransferInputFilter } from './transfer-input-filter.js';
import { validateRunSettings } from './run-settings.js';
import { resolveTracingConfig, type TracingConfig } from '../telemetry/tracing-config.js';
import {
  validateLongRunningMode,
  type LongRunningMode,
} from '../confirmation/long-running-mode.js';

/** How events are delivered: `'sse'` emits partial text as it streams, `'none'` only whole events. */
export type StreamingMode = 'none' | 'sse' | 'bidi';

/**
 * What a run does when its session is already running: wait in line (`'queue'`), fail with
 * `SessionBusyError` (`'reject'`), or interrupt the running turn and run right after it
 * (`'interrupt'`). Holds across nodes when the Runner's `sessionLock` is shared.
 */
export type SessionConcurrency = 'queue' | 'reject' | 'interrupt';

/** Per-run settings; every field is optional and has a default (guards are off when absent). */
export interface RunConfig {
  /** Default `'sse'`. */
  streamingMode?: StreamingMode;
  /** Model calls per run, all agents together; default 10. */
  maxTurns?: number;
  /** Transfers per run; default 10. */
  maxTransfers?: number;
  /** Guard: wall time from the moment the agent starts. */
  maxDurationMs?: number;
  /** Guard: characters of text in stored agent events. */
  outputCharLimit?: number;
  /** Newest events loaded per turn; default all. */
  historyLimit?: number;
  /** Memories preloaded per turn when a memory service is set; default 5. */
  memoryTopK?: number;
  /** Same-session runs: wait in line, fail with SessionBusyError, or interrupt; default `'queue'`. */
  concurrency?: SessionConcurrency;
  /** Create the session when it does not exist; default true. */
  autoCreateSession?: boolean;
  /** Checks of the user's message, before the agent or alongside it (see InputGuardrail). */
  inputGuardrails?: readonly InputGuardrail[];
  /** Checks of the run's final answer. */
  outputGuardrails?: readonly OutputGuardrail[];
  /** Replaces every LLM agent's model for this run. */
  model?: Model;
  /** Overrides the agents' generation settings, per key (`extra` per key too). */
  modelSettings?: GenerateConfig;
  /** Shapes what an agent transferred to sees of the history. */
  transferInputFilter?: TransferInputFilter;
  /** Trace settings (merged per key; absent: traced when a tracer provider is registered, no contents). */
  tracing?: TracingConfig;
  /** What a long-running call does to its turn when its tool does not say: default `'pause'`. */
  longRunning?: LongRunningMode;
}

/** A {@link RunConfig} with every defaulted field filled; absent guards stay absent. */
export interface ResolvedRunConfig extends RunConfig {
  readonly streamingMode: StreamingMode;
  readonly maxTurns: number;
  readonly maxTransfers: number;
  readonly memoryTopK: number;
  readonly concurrency: SessionConcurrency;
  readonly autoCreateSession: boolean;
}

/** The defaults of {@link RunConfig}. */
export const DEFAULT_RUN_CONFIG = Object.freeze({
  streamingMode: 'sse',
  maxTurns: 10,
  maxTransfers: 10,
  memoryTopK: 5,
  concurrency: 'queue',
  autoCreateSession: true,
} as const satisfies ResolvedRunConfig);

const NON_NEGATIVE_INTEGERS = [
  'maxTurns',
  'maxTransfers',
  'historyLimit',
  'memoryTopK',
  'outputCharLimit',
] as const;

/**
 * Merges run configs per key (later ones win; `undefined` values do not override), fills
 * defaults, validates and freezes the result.
 */
export function resolveRunConfig(...configs: (RunConfig | undefined)[]): ResolvedRunConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_RUN_CONFIG };
  for (const config of configs) {
    if (!config) continue;
    for (const [key, value] of Object.entries(config)) if (value !== undefined) merged[key] = value;
  }
  const tracing = resolveTracingConfig(...configs.map((config) => config?.tracing));
  if (tracing !== undefined) merged.tracing = tracing;
  const resolved = merged as unknown as ResolvedRunConfig;
  if (!['none', 'sse', 'bidi'].includes(resolved.streamingMode)) {
    throw new InvalidArgumentError(`runConfig.streamingMode must be 'none', 'sse' or 'bidi'`);
  }
  if (!['queue', 'reject', 'interrupt'].includes(resolved.concurrency)) {
    throw new InvalidArgumentError(
      `runConfig.concurrency must be 'queue', 'reject' or 'interrupt'`,
    );
  }
  for (const key of NON_NEGATIVE_INTEGERS) {
    const value = resolved[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new InvalidArgumentError(
        `runConfig.${key} must be a non-negative integer, got ${String(value)}`,
      );
    }
  }
  const duration = resolved.maxDurationMs;
  if (duration !== undefined && (typeof duration !== 'number' || !(duration > 0))) {
    throw new InvalidArgumentError(`runConfig.maxDurationMs must be a positive number`);
  }
  validateRunSettings(resolved);
  validateLongRunningMode(resolved.longRunning, 'runConfig.longRunning');
  return Object.freeze(resolved);
}
