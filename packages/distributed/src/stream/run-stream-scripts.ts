import type { Redis } from 'ioredis';

/** A Lua script on the run streams' keys. */
export interface StreamScript {
  readonly keys: number;
  readonly source: string;
}

/**
 * Runs a script with `EVAL` (Redis caches it compiled): unlike `EVALSHA` with a fallback, a script
 * missing from the cache (after a restart) is never retried later, so commands sent in order on one
 * connection run in that order, and a run's terminal entry never overtakes its last event.
 */
export function runScript(
  client: Redis,
  script: StreamScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return client.eval(script.source, script.keys, ...keys, ...args);
}

// Keys of one run share the `{invocationId}` hash tag, so every script touches one slot.
// KEYS: the run's stream, its done flag, its meta key.

/** Creates the run: its meta key (NX). 1, or 0 when a run with this id exists. ARGV: ttl, meta. */
export const OPEN_RUN: StreamScript = {
  keys: 3,
  source: `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('SET', KEYS[3], ARGV[2], 'NX', 'PX', ARGV[1]) == false then return 0 end
return 1
`,
};

/**
 * Appends one entry unless the run ended (0) or is unknown (-1: its meta is gone, so Redis lost
 * the run and a reader would see a gap). Refreshes the live expiry. ARGV: maxLength, ttl, type,
 * data.
 */
export const APPEND_ENTRY: StreamScript = {
  keys: 3,
  source: `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 't', ARGV[3], 'd', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
`,
};

/**
 * Writes the run's one terminal entry: 1, or 0 when another writer ended it first. The stream,
 * its meta and the flag then expire after the retention. A run Redis lost (no meta: it restarted
 * empty) gets the `lost` error entry instead, since the events before the end are gone. ARGV:
 * maxLength, retention, type, data, lost error data.
 */
export const FINISH_RUN: StreamScript = {
  keys: 3,
  source: `
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) == false then return 0 end
local kind, data = ARGV[3], ARGV[4]
if redis.call('EXISTS', KEYS[3]) == 0 and kind ~= 'error' then kind, data = 'error', ARGV[5] end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 't', kind, 'd', data)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
return 1
`,
};

/**
 * One page of the run's entries (`XRANGE` from ARGV[1], ARGV[2] of them), or nil when its meta is
 * gone: Redis lost the run (restarted empty, or it expired), so an empty or short page would
 * misstate its history. Checked in the same step as the read, so no restart falls between them.
 * KEYS: the run's stream, its meta key.
 */
export const RUN_PAGE: StreamScript = {
  keys: 2,
  source: `
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
return redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
`,
};
