import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/** A metadata value attached to spans. */
export type TracingMetadataValue = string | number | boolean;

/**
 * Trace settings of a run (`RunConfig.tracing`). Spans go to the OpenTelemetry tracer provider
 * the application registered; with none registered, tracing costs next to nothing.
 */
export interface TracingConfig {
  /** No spans for this run (metrics and logs are not affected). Default false. */
  disabled?: boolean;
  /** Record prompts, completions, tool arguments and tool results on spans. Default false. */
  includeSensitiveData?: boolean;
  /** Names the workflow on every span (`ferrite.workflow.name`). */
  workflowName?: string;
  /** Attached to every span of the run as `ferrite.metadata.<key>`. */
  metadata?: Readonly<Record<string, TracingMetadataValue>>;
}

const MAX_METADATA_ENTRIES = 64;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 1024;
const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

function checkBoolean(value: unknown, key: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(`runConfig.tracing.${key} must be a boolean`);
  }
}

function checkMetadata(metadata: unknown): void {
  if (metadata === undefined) return;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidArgumentError('runConfig.tracing.metadata must be an object');
  }
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_ENTRIES) {
    throw new InvalidArgumentError(
      `runConfig.tracing.metadata holds ${entries.length} keys; at most ${MAX_METADATA_ENTRIES} are allowed`,
    );
  }
  for (const [key, value] of entries) {
    if (key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) {
      throw new InvalidArgumentError(
        `runConfig.tracing.metadata key ${JSON.stringify(key.slice(0, MAX_KEY_LENGTH))} must be 1-${MAX_KEY_LENGTH} letters, digits, '_', '.' or '-'`,
      );
    }
    const type = typeof value;
    if (type === 'string') {
      if ((value as string).length > MAX_VALUE_LENGTH) {
        throw new InvalidArgumentError(
          `runConfig.tracing.metadata.${key} is longer than ${MAX_VALUE_LENGTH} characters`,
        );
      }
    } else if (!(type === 'boolean' || (type === 'number' && Number.isFinite(value)))) {
      throw new InvalidArgumentError(
        `runConfig.tracing.metadata.${key} must be a string, a finite number or a boolean`,
      );
    }
  }
}

/**
 * Merges trace settings per key (later ones win; `metadata` merged per key too), validates and
 * freezes the result. Undefined when no config sets any.
 */
export function resolveTracingConfig(
  ...configs: readonly unknown[]
): Readonly<TracingConfig> | undefined {
  let merged: TracingConfig | undefined;
  for (const config of configs) {
    if (config === undefined) continue;
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new InvalidArgumentError('runConfig.tracing must be an object');
    }
    const next = config as TracingConfig;
    checkBoolean(next.disabled, 'disabled');
    checkBoolean(next.includeSensitiveData, 'includeSensitiveData');
    if (
      next.workflowName !== undefined &&
      (typeof next.workflowName !== 'string' ||
        next.workflowName === '' ||
        next.workflowName.length > MAX_KEY_LENGTH)
    ) {
      throw new InvalidArgumentError(
        `runConfig.tracing.workflowName must be a string of 1-${MAX_KEY_LENGTH} characters`,
      );
    }
    checkMetadata(next.metadata);
    const metadata =
      next.metadata === undefined ? merged?.metadata : { ...merged?.metadata, ...next.metadata };
    merged = { ...merged };
    for (const [key, value] of Object.entries(next)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
    if (metadata !== undefined) merged.metadata = Object.freeze(metadata);
  }
  if (merged?.metadata) checkMetadata(merged.metadata);
  return merged === undefined ? undefined : Object.freeze(merged);
}
