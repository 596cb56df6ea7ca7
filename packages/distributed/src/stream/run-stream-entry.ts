import { FerriteError, isFerriteErrorCode, type Event, type FerriteErrorCode } from '@ferrite/core';

/** How a run ended, as its terminal stream entry says. */
export type RunEnd =
  | { readonly type: 'end'; readonly outcome: 'completed' | 'cancelled' }
  | { readonly type: 'error'; readonly code: FerriteErrorCode; readonly message: string };

/** One entry of a run's stream: an event (partials included) or the terminal entry. */
export type RunStreamEntry = { readonly type: 'event'; readonly event: Event } | RunEnd;

/** Who started a run, kept beside its stream so an attach can check the session it names. */
export interface RunMeta {
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
}

/** The stream fields of an entry: `t` (type) and `d` (JSON). */
export function encodeEntry(entry: RunStreamEntry): [type: string, data: string] {
  if (entry.type === 'event') return ['event', JSON.stringify(entry.event)];
  if (entry.type === 'end') return ['end', JSON.stringify({ outcome: entry.outcome })];
  return ['error', JSON.stringify({ code: entry.code, message: entry.message })];
}

/** The entry stored under `fields` (`[t, type, d, data]`); undefined for a malformed one. */
export function decodeEntry(fields: readonly string[]): RunStreamEntry | undefined {
  let type: string | undefined;
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 't') type = fields[i + 1];
    else if (fields[i] === 'd') data = fields[i + 1];
  }
  if (type === undefined || data === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (type === 'event') return { type, event: value as Event };
  if (type === 'end') {
    return { type, outcome: record.outcome === 'cancelled' ? 'cancelled' : 'completed' };
  }
  if (type === 'error') {
    return {
      type,
      code: isFerriteErrorCode(record.code) ? record.code : 'internal',
      message: typeof record.message === 'string' ? record.message : 'the run failed',
    };
  }
  return undefined;
}

/** The Ferrite error a terminal error entry stands for (its code and message). */
export function errorOfEnd(end: Extract<RunEnd, { type: 'error' }>): FerriteError {
  return new FerriteError(end.message, { code: end.code });
}

/** The terminal entry for a run that failed with `error`. */
export function endOfError(error: FerriteError): RunEnd {
  return { type: 'error', code: error.code, message: error.message };
}
