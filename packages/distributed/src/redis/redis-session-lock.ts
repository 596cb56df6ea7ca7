import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import {
  InternalError,
  InvalidArgumentError,
  SessionBusyError,
  sessionLockName,
  validateAcquireOptions,
  validateName,
  type AcquireSessionLockOptions,
  type FerriteError,
  type SessionLockHolder,
  type SessionLockKey,
  type SessionLockLease,
  type SessionRunLock,
} from '@ferrite/core';
import { redisFailure } from '../stream/redis-connection.js';
import { ACQUIRE, INTERRUPT, LEAVE, RELEASE, RENEW } from './lock-scripts.js';

/** Settings of {@link RedisSessionLock}. */
export interface RedisSessionLockConfig {
  /**
   * The Redis to use: an ioredis client (used for commands; the lock subscribes on a duplicate
   * and never closes the client), or options / a `redis://` URL for a client the lock owns.
   */
  redis: Redis | RedisOptions | string;
  /** Prefix of every key and of the channel; only locks with the same prefix exclude each other. Default `'ferrite:'`. */
  keyPrefix?: string;
  /**
   * How long a lock (and a place in line) outlives its last renewal; renewed every third of it.
   * A crashed holder's session is free at most this long after its last renewal. Default 10,000.
   */
  ttlMs?: number;
  /**
   * Longest sleep of a waiter between attempts when no wake-up arrives (a holder that died
   * wakes nobody). At most a third of `ttlMs`. Default a third of `ttlMs`.
   */
  retryDelayMs?: number;
}

type ClaimState = 'waiting' | 'held' | 'done';

interface Claim {
  readonly name: string;
  readonly token: string;
  readonly holder: SessionLockHolder;
  state: ClaimState;
  /** Wakes a sleeping waiter (a release published its token, or it was cancelled). */
  wake: (() => void) | undefined;
  /** A wake-up came while the waiter was not asleep: it tries again at once. */
  woken: boolean;
  renewal: NodeJS.Timeout | undefined;
  lastRenewed: number;
}

/**
 * A {@link SessionRunLock} shared by every process on one Redis: the owner of a session is an
 * expiring key (`SET NX PX`) holding the run's random token, renewed while the run holds it;
 * renewal and release act only for that token (Lua). Waiters stand in a per-session list in
 * Redis, so the session goes to the longest-waiting live run on any node; a release wakes that
 * run by pub/sub, and waiters also retry on a timer, so a holder that died frees the session
 * once its key expires. Interrupts travel by pub/sub.
 *
 * @example
 * ```ts
 * const sessionLock = new RedisSessionLock({ redis: 'redis://127.0.0.1:6379' });
 * const runner = new Runner({ appName: 'shop', agent, sessionService, sessionLock });
 * ```
 */
export class RedisSessionLock implements SessionRunLock {
  readonly #client: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #ttlMs: number;
  readonly #retryDelayMs: number;
  readonly #instance = randomUUID();
  /** This node's claims per session name. */
  readonly #claims = new Map<string, Set<Claim>>();
  readonly #waiting = new Map<string, Claim>();
  #subscriber: Promise<Redis> | undefined;
  #closed = false;

  constructor(config: RedisSessionLockConfig) {
    if (typeof config !== 'object' || config === null || config.redis === undefined) {
      throw new InvalidArgumentError('RedisSessionLock needs { redis }');
    }
    const ttlMs = config.ttlMs ?? 10_000;
    if (!Number.isInteger(ttlMs) || ttlMs < 30) {
      throw new InvalidArgumentError('RedisSessionLock ttlMs must be an integer of at least 30');
    }
    const retryDelayMs = Math.min(config.retryDelayMs ?? ttlMs / 3, ttlMs / 3);
    if (!(retryDelayMs > 0)) {
      throw new InvalidArgumentError('RedisSessionLock retryDelayMs must be positive');
    }
    this.#ttlMs = ttlMs;
    this.#retryDelayMs = retryDelayMs;
    this.#prefix = config.keyPrefix ?? 'ferrite:';
    this.#channel = `${this.#prefix}session-lock`;
    if (config.redis instanceof Redis) {
      this.#client = config.redis;
      this.#ownsClient = false;
    } else {
      // Fail a command after a reconnection attempt instead of queueing it for long.
      const defaults: RedisOptions = { maxRetriesPerRequest: 1, lazyConnect: true };
      this.#client =
        typeof config.redis === 'string'
          ? new Redis(config.redis, defaults)
          : new Redis({ ...defaults, ...config.redis });
      this.#client.on('error', () => {});
      this.#ownsClient = true;
    }
  }

  async acquire(
    key: SessionLockKey,
    options: AcquireSessionLockOptions,
  ): Promise<SessionLockLease> {
    validateAcquireOptions(options);
    validateKey(key);
    if (this.#closed) throw new InternalError('RedisSessionLock is closed');
    const { signal } = options;
    if (signal?.aborted) throw signal.reason as Error;
    const name = sessionLockName(key);
    const local = this.#claims.get(name);
    if (options.mode === 'reject' && local !== undefined) throw busy(name);
    if (options.mode === 'interrupt') {
      for (const claim of local ?? []) if (claim.state === 'held') claim.holder.interrupt();
    }
    const claim: Claim = {
      name,
      token: randomUUID(),
      holder: options.holder,
      state: 'waiting',
      wake: undefined,
      woken: false,
      renewal: undefined,
      lastRenewed: 0,
    };
    this.#track(claim);
    const onAbort = (): void => this.#wake(claim);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.#ensureSubscriber();
      return await this.#wait(claim, options);
    } catch (error) {
      await this.#leave(claim);
      throw signal?.aborted ? (signal.reason as Error) : this.#failure('acquire', error);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async interrupt(key: SessionLockKey): Promise<boolean> {
    validateKey(key);
    const name = sessionLockName(key);
    let local = false;
    for (const claim of this.#claims.get(name) ?? []) {
      if (claim.state === 'held') {
        claim.holder.interrupt();
        local = true;
      }
    }
    if (local) return true;
    try {
      const sent = await INTERRUPT.run(
        this.#client,
        [this.#ownerKey(name)],
        [this.#channel, `interrupt:${this.#instance}:${name}`],
      );
      return sent === 1;
    } catch (error) {
      throw this.#failure('interrupt', error);
    }
  }

  isBusy(key: SessionLockKey): boolean {
    return this.#claims.has(sessionLockName(key));
  }

  /** Frees the sessions this node holds, ends its waits, and closes the connections it opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const releases: Promise<void>[] = [];
    for (const claims of this.#claims.values()) {
      for (const claim of claims) {
        if (claim.state === 'held') releases.push(this.#release(claim));
        else this.#wake(claim);
      }
    }
    await Promise.all(releases);
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    await subscriber?.then((client) => client.disconnect()).catch(() => {});
    if (this.#ownsClient) this.#client.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #wait(claim: Claim, options: AcquireSessionLockOptions): Promise<SessionLockLease> {
    const { name, token } = claim;
    const keys = [this.#ownerKey(name), this.#lineKey(name)];
    const enqueue = options.mode === 'reject' ? '0' : '1';
    let first = true;
    for (;;) {
      if (this.#closed) throw new InternalError('RedisSessionLock was closed');
      if (options.signal?.aborted) throw options.signal.reason as Error;
      this.#waiting.set(token, claim);
      claim.woken = false;
      const [won, ownerTtl] = (await ACQUIRE.run(this.#client, keys, [
        token,
        this.#ttlMs,
        this.#waiterPrefix(name),
        enqueue,
      ])) as [number, number];
      if (won === 1) {
        this.#waiting.delete(token);
        if (options.signal?.aborted || this.#closed) {
          await RELEASE.run(this.#client, keys, [token, this.#waiterPrefix(name), this.#channel]);
          throw options.signal?.reason ?? new InternalError('RedisSessionLock was closed');
        }
        return this.#hold(claim);
      }
      if (options.mode === 'reject') throw busy(name);
      if (first && options.mode === 'interrupt') {
        await INTERRUPT.run(
          this.#client,
          [keys[0]!],
          [this.#channel, `interrupt:${this.#instance}:${name}`],
        );
      }
      first = false;
      if (options.signal?.aborted || claim.woken) continue;
      // Sleep until woken by a release, the owner's key expiring, or the retry delay (which also
      // renews this waiter's place in line).
      const delay = ownerTtl > 0 ? Math.min(this.#retryDelayMs, ownerTtl + 1) : this.#retryDelayMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.#wake(claim), delay);
        claim.wake = () => {
          clearTimeout(timer);
          claim.wake = undefined;
          resolve();
        };
      });
    }
  }

  #wake(claim: Claim): void {
    if (claim.wake === undefined) claim.woken = true;
    else claim.wake();
  }

  #hold(claim: Claim): SessionLockLease {
    claim.state = 'held';
    claim.lastRenewed = Date.now();
    const keys = [this.#ownerKey(claim.name)];
    claim.renewal = setInterval(() => {
      RENEW.run(this.#client, keys, [claim.token, this.#ttlMs]).then(
        (renewed) => {
          if (renewed === 1) claim.lastRenewed = Date.now();
          else this.#lose(claim, 'another run owns it now or it expired');
        },
        (error: unknown) => {
          // A failed renewal is retried on the next tick until the lock may have expired.
          if (Date.now() - claim.lastRenewed >= this.#ttlMs) {
            this.#lose(
              claim,
              `it could not be renewed: ${(error as Error | undefined)?.message ?? String(error)}`,
            );
          }
        },
      );
    }, this.#ttlMs / 3);
    claim.renewal.unref();
    let released = false;
    return {
      release: () => {
        if (released) return Promise.resolve();
        released = true;
        return this.#release(claim);
      },
    };
  }

  #lose(claim: Claim, why: string): void {
    if (claim.state !== 'held') return;
    clearInterval(claim.renewal);
    claim.renewal = undefined;
    claim.holder.lost?.(new InternalError(`Session '${claim.name}' lost its Redis lock: ${why}`));
  }

  async #release(claim: Claim): Promise<void> {
    if (claim.state === 'done') return;
    claim.state = 'done';
    clearInterval(claim.renewal);
    this.#untrack(claim);
    try {
      await RELEASE.run(
        this.#client,
        [this.#ownerKey(claim.name), this.#lineKey(claim.name)],
        [claim.token, this.#waiterPrefix(claim.name), this.#channel],
      );
    } catch {
      // Unreachable Redis: the key expires after ttlMs, which frees the session as well.
    }
  }

  /** Takes a claim that will not hold the session out of the line, here and in Redis. */
  async #leave(claim: Claim): Promise<void> {
    claim.state = 'done';
    this.#untrack(claim);
    const { name, token } = claim;
    try {
      await LEAVE.run(
        this.#client,
        [this.#ownerKey(name), this.#lineKey(name)],
        [token, this.#waiterPrefix(name), this.#channel],
      );
    } catch {
      // Its place in line lapses after ttlMs without renewal.
    }
  }

  #track(claim: Claim): void {
    let claims = this.#claims.get(claim.name);
    if (claims === undefined) this.#claims.set(claim.name, (claims = new Set()));
    claims.add(claim);
  }

  #untrack(claim: Claim): void {
    this.#waiting.delete(claim.token);
    const claims = this.#claims.get(claim.name);
    claims?.delete(claim);
    if (claims?.size === 0) this.#claims.delete(claim.name);
  }

  #ensureSubscriber(): Promise<Redis> {
    this.#subscriber ??= this.#subscribe();
    return this.#subscriber;
  }

  async #subscribe(): Promise<Redis> {
    const subscriber = this.#client.duplicate({ maxRetriesPerRequest: 1, lazyConnect: true });
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, message: string) => this.#onMessage(message));
    try {
      // ioredis subscribes again after a reconnection by itself.
      await subscriber.subscribe(this.#channel);
      return subscriber;
    } catch (error) {
      this.#subscriber = undefined;
      subscriber.disconnect();
      throw error;
    }
  }

  #onMessage(message: string): void {
    if (message.startsWith('wake:')) {
      const claim = this.#waiting.get(message.slice(5));
      if (claim !== undefined) this.#wake(claim);
      return;
    }
    if (!message.startsWith('interrupt:')) return;
    const rest = message.slice(10);
    const separator = rest.indexOf(':');
    if (rest.slice(0, separator) === this.#instance) return;
    for (const claim of this.#claims.get(rest.slice(separator + 1)) ?? []) {
      if (claim.state === 'held') claim.holder.interrupt();
    }
  }

  #ownerKey(name: string): string {
    return `${this.#prefix}lock:{${name}}:owner`;
  }

  #lineKey(name: string): string {
    return `${this.#prefix}lock:{${name}}:line`;
  }

  #waiterPrefix(name: string): string {
    return `${this.#prefix}lock:{${name}}:waiter:`;
  }

  #failure(operation: string, error: unknown): FerriteError {
    return redisFailure(`RedisSessionLock ${operation}`, error);
  }
}

function validateKey(key: SessionLockKey): void {
  if (typeof key !== 'object' || key === null) {
    throw new InvalidArgumentError('a session lock key needs appName, userId and sessionId');
  }
  validateName('appName', key.appName);
  validateName('userId', key.userId);
  validateName('sessionId', key.sessionId);
}

function busy(name: string): SessionBusyError {
  return new SessionBusyError(`Session '${name}' is already running`);
}
