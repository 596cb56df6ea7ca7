import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  InternalError,
  InvalidArgumentError,
  SessionBusyError,
  sessionLockName,
  toFerriteError,
  validateAcquireOptions,
  validateName,
  type AcquireSessionLockOptions,
  type FerriteError,
  type SessionLockHolder,
  type SessionLockKey,
  type SessionLockLease,
  type SessionRunLock,
} from '@ferrite/core';
import {
  endpointOf,
  isOutage,
  redact,
  storeUnavailable,
  type StoreEndpoint,
} from './store-errors.js';

/** Settings of {@link PostgresSessionLock}. */
export interface PostgresSessionLockConfig {
  /** Where the lock's own connections go (a `postgres://` URL), unless `pool` options say it. */
  connectionString?: string;
  /** Options of the lock's dedicated `pg.Pool` (host, port, ssl, …); `max` is `maxConnections`. */
  pool?: Omit<pg.PoolConfig, 'max'>;
  /**
   * Separates the locks of unrelated deployments on one database: only locks with the same
   * namespace exclude each other. Default `'ferrite'`.
   */
  namespace?: string;
  /**
   * Connections held at once for sessions this node holds or is first in line for (one each),
   * besides the one that listens for interrupts. Default 10.
   */
  maxConnections?: number;
  /** `application_name` of the lock's connections, so operators can tell them apart. */
  applicationName?: string;
}

type ClaimState = 'waiting' | 'acquiring' | 'held' | 'done';

interface Claim {
  readonly line: Line;
  readonly mode: AcquireSessionLockOptions['mode'];
  readonly holder: SessionLockHolder;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (lease: SessionLockLease) => void;
  readonly reject: (reason: unknown) => void;
  state: ClaimState;
  client: pg.PoolClient | undefined;
  /** The held connection failed: it is dropped on release instead of unlocked. */
  broken: Error | undefined;
  onAbort: (() => void) | undefined;
}

/** The claims of this node on one session: the first holds it or is first in line for it. */
interface Line {
  readonly name: string;
  readonly lockId: string;
  readonly claims: Claim[];
}

const CHANNEL = 'ferrite_session_lock';
const RECONNECT_MS = 1_000;

/**
 * A {@link SessionRunLock} shared by every process on one PostgreSQL database, with
 * session-level advisory locks: a session is held by `pg_advisory_lock(key)` on a connection
 * kept for the whole run, `key` a 64-bit hash of the namespace, app, user and session. The
 * server releases the lock when that connection dies, so a crashed node frees its sessions.
 *
 * Order: runs on one node are served first come, first served, and only the first of them waits
 * in PostgreSQL; between nodes, those first runs are granted in the order they joined
 * PostgreSQL's lock queue. Interrupts travel by `NOTIFY`.
 *
 * @example
 * ```ts
 * const sessionLock = new PostgresSessionLock({ connectionString: process.env.DATABASE_URL });
 * const runner = new Runner({ appName: 'shop', agent, sessionService, sessionLock });
 * ```
 */
export class PostgresSessionLock implements SessionRunLock {
  readonly #pool: pg.Pool;
  readonly #clientConfig: pg.ClientConfig;
  readonly #namespace: string;
  readonly #endpoint: StoreEndpoint;
  readonly #instance = randomUUID();
  readonly #lines = new Map<string, Line>();
  #listener: Promise<pg.Client> | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(config: PostgresSessionLockConfig) {
    if (typeof config !== 'object' || config === null) {
      throw new InvalidArgumentError('PostgresSessionLock needs a config');
    }
    const max = config.maxConnections ?? 10;
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidArgumentError(
        'PostgresSessionLock maxConnections must be a positive integer',
      );
    }
    const namespace = config.namespace ?? 'ferrite';
    if (typeof namespace !== 'string' || namespace === '') {
      throw new InvalidArgumentError('PostgresSessionLock namespace must be a non-empty string');
    }
    this.#namespace = namespace;
    this.#clientConfig = {
      ...config.pool,
      ...(config.connectionString === undefined
        ? {}
        : { connectionString: config.connectionString }),
      ...(config.applicationName === undefined ? {} : { application_name: config.applicationName }),
    };
    this.#endpoint = endpointOf(this.#clientConfig);
    this.#pool = new pg.Pool({ ...this.#clientConfig, max });
    // An idle connection that dies (server restart) must not crash the process; the pool drops it.
    this.#pool.on('error', () => {});
  }

  acquire(key: SessionLockKey, options: AcquireSessionLockOptions): Promise<SessionLockLease> {
    try {
      validateAcquireOptions(options);
      validateKey(key);
      if (this.#closed) throw new InternalError('PostgresSessionLock is closed');
    } catch (error) {
      return Promise.reject(toFerriteError(error));
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const name = sessionLockName(key);
    const lockId = this.#lockIdOf(name);
    const line = this.#lines.get(lockId);
    if (line !== undefined && options.mode === 'reject') {
      return Promise.reject(busy(name));
    }
    const target: Line = line ?? { name, lockId, claims: [] };
    return new Promise<SessionLockLease>((resolve, reject) => {
      const claim: Claim = {
        line: target,
        mode: options.mode,
        holder: options.holder,
        signal,
        resolve,
        reject,
        state: 'waiting',
        client: undefined,
        broken: undefined,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        claim.onAbort = () => this.#cancel(claim, signal.reason as Error);
        signal.addEventListener('abort', claim.onAbort, { once: true });
      }
      target.claims.push(claim);
      if (line === undefined) {
        this.#lines.set(lockId, target);
        void this.#serve(target);
      } else if (options.mode === 'interrupt') {
        const head = line.claims[0];
        if (head?.state === 'held') head.holder.interrupt();
        else void this.#notifyInterrupt(lockId).catch(() => {});
      }
    });
  }

  async interrupt(key: SessionLockKey): Promise<boolean> {
    validateKey(key);
    const lockId = this.#lockIdOf(sessionLockName(key));
    const head = this.#lines.get(lockId)?.claims[0];
    if (head?.state === 'held') {
      head.holder.interrupt();
      return true;
    }
    const { high, low } = halves(lockId);
    try {
      const control = await this.#ensureListener();
      const { rows } = await control.query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND classid = $1::oid AND objid = $2::oid AND objsubid = 1) AS held`,
        [high, low],
      );
      if (rows[0]?.held !== true) return false;
      await this.#notifyInterrupt(lockId);
      return true;
    } catch (error) {
      throw this.#unavailable('interrupt', error);
    }
  }

  isBusy(key: SessionLockKey): boolean {
    return this.#lines.has(this.#lockIdOf(sessionLockName(key)));
  }

  /** Frees every session this node holds, refuses those it waits for, and ends its connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnect);
    const releases: Promise<void>[] = [];
    for (const line of [...this.#lines.values()]) {
      for (const claim of [...line.claims]) {
        if (claim.state === 'held') releases.push(this.#release(claim));
        else this.#cancel(claim, new InternalError('PostgresSessionLock was closed'));
      }
    }
    await Promise.all(releases);
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.then((client) => client.end()).catch(() => {});
    await this.#pool.end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Works through a line: its first claim waits in PostgreSQL, then holds the session. */
  async #serve(line: Line): Promise<void> {
    const claim = line.claims[0];
    if (claim === undefined) {
      if (this.#lines.get(line.lockId) === line) this.#lines.delete(line.lockId);
      return;
    }
    claim.state = 'acquiring';
    let client: pg.PoolClient | undefined;
    /** True once the connection may hold or wait for the lock: it is then never reused. */
    let dirty = false;
    let granted = false;
    const onError = (error: Error): void => {
      claim.broken ??= error;
      if (claim.state === 'held') claim.holder.lost?.(this.#lost(line, error));
    };
    try {
      // Listen first, so an interrupt sent once this run holds the session reaches it.
      await this.#ensureListener();
      client = await this.#pool.connect();
      client.on('error', onError);
      if (claim.state === 'acquiring') {
        dirty = true;
        const { rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS ok',
          [line.lockId],
        );
        granted = rows[0]?.ok === true;
        dirty = granted;
      }
      if (!granted && claim.state === 'acquiring') {
        if (claim.mode === 'reject') {
          this.#settle(claim);
          claim.reject(busy(line.name));
        } else {
          if (claim.mode === 'interrupt') await this.#notifyInterrupt(line.lockId);
          claim.client = client;
          dirty = true;
          await client.query('SELECT pg_advisory_lock($1::bigint)', [line.lockId]);
          granted = true;
        }
      }
    } catch (error) {
      if (claim.state === 'acquiring') {
        this.#settle(claim);
        claim.reject(this.#unavailable('acquire', error));
      }
    }
    if (granted && claim.state === 'acquiring' && client !== undefined && !claim.broken) {
      claim.state = 'held';
      claim.client = client;
      if (claim.onAbort) claim.signal?.removeEventListener('abort', claim.onAbort);
      claim.resolve(new PostgresLease(() => this.#release(claim)));
      return;
    }
    // Not holding (refused, failed or cancelled): a connection that may still hold or wait for
    // the lock is dropped rather than reused, which frees anything it holds.
    claim.client = undefined;
    if (client !== undefined) {
      client.removeListener('error', onError);
      client.release(
        dirty || claim.broken ? new Error('session lock connection dropped') : undefined,
      );
    }
    this.#settle(claim);
    void this.#serve(line);
  }

  async #release(claim: Claim): Promise<void> {
    if (claim.state !== 'held') return;
    claim.state = 'done';
    const client = claim.client;
    claim.client = undefined;
    if (client !== undefined) {
      let failure: Error | undefined = claim.broken;
      if (failure === undefined) {
        try {
          const { rows } = await client.query<{ ok: boolean }>(
            'SELECT pg_advisory_unlock($1::bigint) AS ok',
            [claim.line.lockId],
          );
          if (rows[0]?.ok !== true) failure = new Error('advisory lock was not held');
        } catch (error) {
          failure = error as Error;
        }
      }
      client.removeAllListeners('error');
      client.release(failure);
    }
    this.#settle(claim);
    void this.#serve(claim.line);
  }

  /** Takes a claim out of its line (it no longer holds or waits). */
  #settle(claim: Claim): void {
    const { line } = claim;
    claim.state = 'done';
    const index = line.claims.indexOf(claim);
    if (index >= 0) line.claims.splice(index, 1);
    if (line.claims.length === 0 && this.#lines.get(line.lockId) === line) {
      this.#lines.delete(line.lockId);
    }
  }

  #cancel(claim: Claim, reason: unknown): void {
    if (claim.state === 'held' || claim.state === 'done') return;
    const blocked = claim.state === 'acquiring' ? claim.client : undefined;
    // A claim still waiting on this node leaves its line now; the first in line is taken out by
    // #serve once its statement ends.
    if (claim.state === 'waiting') this.#settle(claim);
    else claim.state = 'done';
    claim.reject(reason);
    // Blocked in pg_advisory_lock: cancel that statement from the control connection, so #serve
    // drops the connection and the next claim takes its place.
    const pid = (blocked as { processID?: number } | undefined)?.processID;
    if (pid === undefined) return;
    void this.#ensureListener()
      .then((control) => control.query('SELECT pg_cancel_backend($1)', [pid]))
      // No control connection: end the waiting one instead (#serve then gives it back).
      .catch(() => blocked?.end().catch(() => {}));
  }

  #ensureListener(): Promise<pg.Client> {
    this.#listener ??= this.#listen();
    return this.#listener;
  }

  async #listen(): Promise<pg.Client> {
    const client = new pg.Client(this.#clientConfig);
    client.on('error', () => {
      if (this.#closed) return;
      // Lost: connect again soon, so held sessions stay reachable by interrupts.
      this.#listener = undefined;
      clearTimeout(this.#reconnect);
      this.#reconnect = setTimeout(() => {
        if (!this.#closed && this.#lines.size > 0) void this.#ensureListener().catch(() => {});
      }, RECONNECT_MS);
      this.#reconnect.unref();
    });
    client.on('notification', (message) => this.#onNotification(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      return client;
    } catch (error) {
      this.#listener = undefined;
      await client.end().catch(() => {});
      throw error;
    }
  }

  #onNotification(payload: string | undefined): void {
    const [instance, lockId] = (payload ?? '').split(':');
    if (instance === this.#instance || lockId === undefined) return;
    const head = this.#lines.get(lockId)?.claims[0];
    if (head?.state === 'held') head.holder.interrupt();
  }

  async #notifyInterrupt(lockId: string): Promise<void> {
    const control = await this.#ensureListener();
    await control.query('SELECT pg_notify($1, $2)', [CHANNEL, `${this.#instance}:${lockId}`]);
  }

  #lockIdOf(name: string): string {
    const digest = createHash('sha256').update(`${this.#namespace}\u0000${name}`).digest();
    return digest.readBigInt64BE(0).toString();
  }

  /**
   * A failure to reach the lock's server: `unavailable` (503) for an outage, `internal` for
   * anything else (refused credentials, a failing statement).
   */
  #unavailable(operation: string, error: unknown): FerriteError {
    const detail = redact(error instanceof Error ? error.message : String(error), this.#endpoint);
    const where = this.#endpoint.address ?? 'the configured server';
    const message = `PostgresSessionLock ${operation}: session lock unavailable at ${where}: ${detail}`;
    return isOutage(error)
      ? storeUnavailable(message, error)
      : new InternalError(message, { cause: error });
  }

  /** The connection holding a session failed (the server went away): `unavailable`. */
  #lost(line: Line, error: Error): FerriteError {
    const detail = redact(error.message, this.#endpoint);
    const where = this.#endpoint.address ?? 'the configured server';
    return storeUnavailable(
      `Session '${line.name}' lost its PostgreSQL lock at ${where} (the connection holding it failed: ${detail})`,
      error,
    );
  }
}

/** A held session; `release` acts once. */
class PostgresLease implements SessionLockLease {
  #release: (() => Promise<void>) | undefined;

  constructor(release: () => Promise<void>) {
    this.#release = release;
  }

  release(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    return release === undefined ? Promise.resolve() : release();
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

/** The two 32-bit halves pg_locks shows a bigint advisory key as (classid, objid). */
function halves(lockId: string): { high: string; low: string } {
  const unsigned = BigInt.asUintN(64, BigInt(lockId));
  return { high: (unsigned >> 32n).toString(), low: (unsigned & 0xffffffffn).toString() };
}

function busy(name: string): SessionBusyError {
  return new SessionBusyError(`Session '${name}' is already running`);
}
