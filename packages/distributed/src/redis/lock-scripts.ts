import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts of {@link RedisSessionLock}, each atomic on the server. Keys of one session
 * share a `{name}` hash tag. Waiter liveness keys (`<waiters><token>`) are derived in the script
 * from a prefix, so they live in the same slot.
 */
class LockScript {
  readonly #source: string;
  readonly #sha: string;
  readonly #keys: number;

  constructor(keys: number, source: string) {
    this.#keys = keys;
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script by its SHA, loading it once when the server does not know it yet. */
  async run(
    client: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, this.#keys, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error;
      return client.eval(this.#source, this.#keys, ...keys, ...args);
    }
  }
}

// Drops waiters that stopped renewing from the head of the line; leaves `head` as the first live
// one (or false).
const DROP_DEAD_HEADS = `
local head = redis.call('LINDEX', line, 0)
while head and head ~= token and redis.call('EXISTS', waiters .. head) == 0 do
  redis.call('LPOP', line)
  head = redis.call('LINDEX', line, 0)
end`;

/**
 * KEYS owner, line; ARGV token, ttlMs, waiterPrefix, enqueue ('1' or '0').
 * Takes the session when nobody owns it and no live waiter is ahead; otherwise (with enqueue)
 * joins or stays in the line and renews the waiter's liveness. Returns {1} or {0, owner pttl}.
 */
export const ACQUIRE = new LockScript(
  2,
  `local owner, line = KEYS[1], KEYS[2]
local token, ttl, waiters = ARGV[1], tonumber(ARGV[2]), ARGV[3]
${DROP_DEAD_HEADS}
if redis.call('EXISTS', owner) == 0 and (not head or head == token) then
  if head == token then redis.call('LPOP', line) end
  redis.call('DEL', waiters .. token)
  redis.call('SET', owner, token, 'PX', ttl)
  return {1, 0}
end
if ARGV[4] == '1' then
  if not redis.call('LPOS', line, token) then redis.call('RPUSH', line, token) end
  redis.call('SET', waiters .. token, '1', 'PX', ttl)
  redis.call('PEXPIRE', line, ttl * 2)
end
return {0, redis.call('PTTL', owner)}`,
);

/** KEYS owner; ARGV token, ttlMs. Extends the lock while `token` owns it; 1 or 0. */
export const RENEW = new LockScript(
  1,
  `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`,
);

/**
 * KEYS owner, line; ARGV token, waiterPrefix, channel. Frees the session if `token` owns it and
 * wakes the first live waiter; 1 or 0.
 */
export const RELEASE = new LockScript(
  2,
  `local owner, line = KEYS[1], KEYS[2]
local token, waiters = ARGV[1], ARGV[2]
if redis.call('GET', owner) ~= token then return 0 end
redis.call('DEL', owner)
token = false
${DROP_DEAD_HEADS}
if head then redis.call('PUBLISH', ARGV[3], 'wake:' .. head) end
return 1`,
);

/**
 * KEYS owner, line; ARGV token, waiterPrefix, channel. Takes `token` out of the line; if the
 * session is free meanwhile, wakes the next live waiter.
 */
export const LEAVE = new LockScript(
  2,
  `local owner, line = KEYS[1], KEYS[2]
local waiters = ARGV[2]
redis.call('LREM', line, 0, ARGV[1])
redis.call('DEL', waiters .. ARGV[1])
local token = false
${DROP_DEAD_HEADS}
if head and redis.call('EXISTS', owner) == 0 then redis.call('PUBLISH', ARGV[3], 'wake:' .. head) end
return 1`,
);

/** KEYS owner; ARGV channel, message. Publishes the interrupt when the session is owned; 1 or 0. */
export const INTERRUPT = new LockScript(
  1,
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1`,
);
