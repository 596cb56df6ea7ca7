import { createHash, randomUUID } from 'node:crypto';
import {
  InternalError,
  InvalidArgumentError,
  SessionNotFoundError,
  StaleSessionError,
  TEMP_PREFIX,
  freezeEvent,
  hasKeys,
  splitStateDelta,
  toStorableJson,
  validateName,
  type AppendEventOptions,
  type CreateSessionOptions,
  type DeleteSessionOptions,
  type Event,
  type GetSessionOptions,
  type ListSessionsOptions,
  type ListSessionsResult,
  type Session,
  type SessionService,
} from '@ferrite/core';
import { Kysely, Migrator, PostgresDialect, type PostgresPool, type RawBuilder } from 'kysely';
import pg from 'pg';
import { kyselyMigrations, migrationName, SESSION_MIGRATIONS, versionOf } from './migrations.js';
import { SessionSchema } from './schema.js';
import { decodeSessionCursor, encodeSessionCursor } from '../validation/session-cursor.js';
import { SessionQueries, type TierDeltas } from './session-queries.js';
import { resolveListLimit, validateEventFilters } from '../index.js';
import { endpointOf, isRetryable, toStoreError, type StoreEndpoint } from './store-errors.js';

type State = Record<string, unknown>;
// The service runs raw SQL only, so it needs no table types from the caller's Kysely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

/** Where the tables live and whether they are created on first use. */
export interface PostgresSessionServiceOptions {
  /** PostgreSQL schema of the tables (created when missing); default `'ferrite'`. */
  schema?: string;
  /** Prefix of every table, index and constraint name; default none. */
  tablePrefix?: string;
  /**
   * Run {@link PostgresSessionService.migrate} automatically before the first call; default true.
   * A failed automatic migration is retried on the next call.
   */
  migrate?: boolean;
  /**
   * Send each statement as a named prepared statement, so PostgreSQL parses and plans it once
   * per connection; default true. Needs a pool with pg's `query({ name, text, values })` (a
   * `pg.Pool`, PGlite's adapter); a `db` is always used as it is. Turn it off behind a
   * connection pooler that does not support protocol-level prepared statements (PgBouncer in
   * transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

/** Constructor input of {@link PostgresSessionService}: one way to reach the database, plus options. */
export type PostgresSessionServiceConfig = PostgresSessionServiceOptions &
  (
    | { /** A `pg.Pool` or compatible; never ended by the service. */ pool: PostgresPool }
    | {
        /** A `postgres://` URL; the service creates (and on close ends) its own pool. */
        connectionString: string;
        /** Most connections of the pool the service creates; default 10. */
        maxConnections?: number;
      }
    | { /** A Kysely instance over PostgreSQL; never destroyed by the service. */ db: AnyKysely }
  );

/** Input of {@link PostgresSessionService.migrate}. */
export interface MigrateOptions {
  /** Stop at this schema version instead of the newest (for staged upgrades). */
  toVersion?: number;
}

/** Outcome of {@link PostgresSessionService.migrate}. */
export interface MigrateResult {
  /** The versions this call applied, in order; empty when the schema was already current. */
  applied: number[];
  /** The schema version after the call. */
  version: number;
}

const MAX_ATTEMPTS = 3;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The production {@link SessionService}: sessions, events and state tiers in PostgreSQL (or an
 * embedded PGlite), over Kysely and `pg`. Every operation is a single SQL statement.
 *
 * @example
 * ```ts
 * await using sessions = new PostgresSessionService({
 *   connectionString: 'postgres://app@db.internal:5432/agents',
 * });
 * const session = await sessions.createSession({ appName: 'support', userId: 'u1' });
 * ```
 */
export class PostgresSessionService implements SessionService, AsyncDisposable {
  readonly #db: AnyKysely;
  readonly #schema: SessionSchema;
  readonly #queries: SessionQueries;
  readonly #endpoint: StoreEndpoint;
  readonly #autoMigrate: boolean;
  /** The pool that named prepared statements go through, when the service has one. */
  readonly #preparingPool: PreparingPool | undefined;
  readonly #statementNames = new Map<string, string>();
  /** Set when the service created the pool, so close() must end it. */
  readonly #ownsPool: boolean;
  #detachErrorListener: (() => void) | undefined;
  #migrated = false;
  #migration: Promise<void> | undefined;
  #closed = false;

  constructor(config: PostgresSessionServiceConfig) {
    this.#schema = new SessionSchema(config.schema ?? 'ferrite', config.tablePrefix ?? '');
    this.#queries = new SessionQueries(this.#schema);
    this.#autoMigrate = config.migrate ?? true;
    const prepare = config.preparedStatements ?? true;
    let pool: PostgresPool | undefined;
    if ('db' in config && config.db !== undefined) {
      this.#db = config.db;
      this.#ownsPool = false;
      this.#endpoint = { secrets: [] };
    } else if ('pool' in config && config.pool !== undefined) {
      pool = config.pool;
      this.#db = new Kysely({ dialect: new PostgresDialect({ pool }) });
      this.#ownsPool = false;
      const options = (pool as { options?: Record<string, unknown> }).options ?? {};
      this.#endpoint = endpointOf(options);
      this.#detachErrorListener = listenForIdleErrors(pool, true);
    } else if ('connectionString' in config && typeof config.connectionString === 'string') {
      pool = new pg.Pool({
        connectionString: config.connectionString,
        max: config.maxConnections ?? 10,
        // Without a bound, an unreachable host waits for the operating system's TCP timeout.
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      });
      this.#detachErrorListener = listenForIdleErrors(pool, false);
      this.#db = new Kysely({ dialect: new PostgresDialect({ pool }) });
      this.#ownsPool = true;
      this.#endpoint = endpointOf({ connectionString: config.connectionString });
    } else {
      throw new InvalidArgumentError(
        'PostgresSessionService needs one of pool, connectionString or db',
      );
    }
    this.#preparingPool = prepare && isPreparingPool(pool) ? pool : undefined;
  }

  /**
   * Creates the schema and tables, or upgrades them to the newest version; idempotent and safe
   * to run from several processes at once (a lock serialises them, a version table records them).
   */
  async migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
    return this.#migrate(options, 'migrate');
  }

  async #migrate(options: MigrateOptions, operation: string): Promise<MigrateResult> {
    this.#assertOpen();
    const migrator = new Migrator({
      db: this.#db,
      provider: { getMigrations: async () => kyselyMigrations(this.#schema) },
      migrationTableSchema: this.#schema.schema,
      migrationTableName: this.#schema.name('schema_version'),
      migrationLockTableName: this.#schema.name('schema_version_lock'),
    });
    let outcome;
    try {
      if (options.toVersion === undefined) {
        outcome = await migrator.migrateToLatest();
      } else {
        const target = SESSION_MIGRATIONS.find((m) => m.version === options.toVersion);
        if (!target) {
          throw new InvalidArgumentError(`unknown schema version ${String(options.toVersion)}`);
        }
        outcome = await migrator.migrateTo(migrationName(target));
      }
    } catch (error) {
      throw this.#wrap(error, operation);
    }
    if (outcome.error !== undefined) throw this.#wrap(outcome.error, operation);
    const applied = (outcome.results ?? [])
      .filter((r) => r.status === 'Success' && r.direction === 'Up')
      .map((r) => versionOf(r.migrationName));
    let version: number;
    try {
      const migrations = await migrator.getMigrations();
      version = Math.max(
        0,
        ...migrations.filter((m) => m.executedAt).map((m) => versionOf(m.name)),
      );
    } catch (error) {
      throw this.#wrap(error, operation);
    }
    if (options.toVersion === undefined) this.#migrated = true;
    return { applied, version };
  }

  /** Creates a session and merges its `app:`/`user:` keys into their tiers, in one statement. */
  async createSession(options: CreateSessionOptions): Promise<Session> {
    const appName = validateName('appName', options.appName);
    const userId = validateName('userId', options.userId);
    const sessionId =
      options.sessionId === undefined ? randomUUID() : validateName('sessionId', options.sessionId);
    if (options.state !== undefined && !isPlainObject(options.state)) {
      throw new InvalidArgumentError('state must be a plain object');
    }
    const tiers = splitStateDelta(options.state);
    const deltas = serializeTiers(tiers, 'createSession state');
    const sessionState = deltas.session === undefined ? {} : (JSON.parse(deltas.session) as State);
    const now = Date.now();
    const row = await this.#one(
      'createSession',
      this.#queries.create({ appName, userId, sessionId }, now, deltas),
    );
    return {
      id: sessionId,
      appName,
      userId,
      state: { ...sessionState, ...row.user_state, ...row.app_state },
      events: [],
      lastUpdateTime: now,
      revision: row.revision,
    };
  }

  /** Reads a session with the current tiers and only the events it returns, in one statement. */
  async getSession(options: GetSessionOptions): Promise<Session | undefined> {
    const appName = validateName('appName', options.appName);
    const userId = validateName('userId', options.userId);
    const sessionId = validateName('sessionId', options.sessionId);
    const { numRecentEvents, afterTimestamp } = options;
    validateEventFilters(numRecentEvents, afterTimestamp);
    const rows = await this.#run(
      'getSession',
      this.#queries.get({ appName, userId, sessionId }, { numRecentEvents, afterTimestamp }),
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: sessionId,
      appName,
      userId,
      state: { ...row.state, ...row.user_state, ...row.app_state },
      events: row.events,
      lastUpdateTime: row.update_time,
      revision: row.revision,
    };
  }

  /** One keyset-paginated page of sessions (no `OFFSET`), with the tiers they show. */
  async listSessions(options: ListSessionsOptions): Promise<ListSessionsResult> {
    const appName = validateName('appName', options.appName);
    const userId =
      options.userId === undefined ? undefined : validateName('userId', options.userId);
    const limit = resolveListLimit(options.limit);
    const cursor = options.cursor === undefined ? undefined : decodeSessionCursor(options.cursor);
    const row = await this.#one(
      'listSessions',
      this.#queries.list(appName, userId, cursor, limit + 1),
    );
    const page = row.sessions.slice(0, limit);
    let shared = false;
    const sessions = page.map(([sessionUserId, id, state, revision, updateTime]): Session => {
      // Tiers are parsed once per page; later sessions get their own copies.
      const userTier = row.user_states[sessionUserId];
      const merged = { ...state, ...userTier, ...row.app_state };
      const session: Session = {
        id,
        appName,
        userId: sessionUserId,
        state: shared ? structuredClone(merged) : merged,
        events: [],
        lastUpdateTime: updateTime,
        revision,
      };
      shared = true;
      return session;
    });
    const last = page[page.length - 1];
    const result: ListSessionsResult = { sessions };
    if (row.sessions.length > limit && last) {
      result.nextCursor = encodeSessionCursor({
        lastUpdateTime: last[4],
        id: last[1],
        userId: last[0],
      });
    }
    return result;
  }

  /** Deletes a session and, by cascade, its events; idempotent. */
  async deleteSession(options: DeleteSessionOptions): Promise<void> {
    const appName = validateName('appName', options.appName);
    const userId = validateName('userId', options.userId);
    const sessionId = validateName('sessionId', options.sessionId);
    await this.#run('deleteSession', this.#queries.delete({ appName, userId, sessionId }));
  }

  /**
   * Stores the event if `session.revision` is current, in one statement (see the package
   * README); a stale revision writes nothing and throws {@link StaleSessionError}.
   */
  async appendEvent(options: AppendEventOptions): Promise<Event> {
    const { session, event } = options;
    const appName = validateName('appName', session.appName);
    const userId = validateName('userId', session.userId);
    const sessionId = validateName('sessionId', session.id);
    if (typeof event !== 'object' || event === null) {
      throw new InvalidArgumentError('event must be an object');
    }
    if (event.partial) return event;
    if (typeof event.id !== 'string' || event.id === '') {
      throw new InvalidArgumentError('event.id must be a non-empty string');
    }
    if (typeof event.timestamp !== 'number' || !Number.isFinite(event.timestamp)) {
      throw new InvalidArgumentError('event.timestamp must be a finite number (milliseconds)');
    }
    if (typeof event.author !== 'string') {
      throw new InvalidArgumentError('event.author must be a string');
    }
    if (!Number.isSafeInteger(session.revision)) {
      throw new InvalidArgumentError(
        `session.revision must be an integer, got ${String(session.revision)}`,
      );
    }
    const actions: Partial<Event['actions']> = event.actions ?? {};
    const delta = actions.stateDelta ?? {};
    if (!isPlainObject(delta)) {
      throw new InvalidArgumentError('event.actions.stateDelta must be an object');
    }
    const tiers = splitStateDelta(delta);
    // The one serialisation of the event: it is what PostgreSQL stores and, parsed back, the
    // frozen event the caller gets; temp: values never reach it, so they may hold anything.
    const storedShape: Event = {
      ...event,
      actions: {
        ...actions,
        stateDelta: { ...tiers.session, ...tiers.user, ...tiers.app },
        artifactDelta: actions.artifactDelta ?? {},
      },
    };
    const json = toStorableJson(storedShape, `event ${event.id}`);
    const deltas = serializeTiers(tiers, 'event stateDelta');
    const row = await this.#one(
      'appendEvent',
      this.#queries.append(
        { appName, userId, sessionId },
        session.revision,
        { id: event.id, timestamp: event.timestamp, json },
        deltas,
      ),
    );
    if (row.revision === null) {
      if (!row.found) {
        throw new SessionNotFoundError(`session ${appName}/${userId}/${sessionId} does not exist`);
      }
      throw new StaleSessionError(
        `session ${appName}/${userId}/${sessionId} changed since revision ${session.revision}; read it again`,
      );
    }
    const stored = freezeEvent(JSON.parse(json) as Event) as Event;
    session.events.push(stored);
    const sessionTier = deltas.session === undefined ? {} : (JSON.parse(deltas.session) as State);
    Object.assign(session.state, sessionTier, tempEntries(delta), row.user_state, row.app_state);
    session.revision = row.revision;
    session.lastUpdateTime = event.timestamp;
    return stored;
  }

  /** Ends the pool if the service created it; a pool or Kysely it was given stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#detachErrorListener?.();
    if (this.#ownsPool) await this.#db.destroy();
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #one<TRow>(operation: string, query: RawBuilder<TRow>): Promise<TRow> {
    const row = (await this.#run(operation, query))[0];
    if (row === undefined) throw new InternalError(`${operation}: PostgreSQL returned no row`);
    return row;
  }

  async #run<TRow>(operation: string, query: RawBuilder<TRow>): Promise<TRow[]> {
    this.#assertOpen();
    await this.#ready(operation);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#execute(query);
      } catch (error) {
        // A deadlock or serialization failure rolled the whole statement back: safe to rerun.
        if (attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
        throw this.#wrap(error, operation);
      }
    }
  }

  async #execute<TRow>(query: RawBuilder<TRow>): Promise<TRow[]> {
    const pool = this.#preparingPool;
    if (!pool) return (await query.execute(this.#db)).rows;
    const { sql: text, parameters } = query.compile(this.#db);
    let name = this.#statementNames.get(text);
    if (name === undefined) {
      // One name per statement text: pg refuses a known name with another text.
      name = `ferrite_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      this.#statementNames.set(text, name);
    }
    // Not pool.query(): on any error (a unique violation included) it drops the connection.
    const client = await pool.connect();
    try {
      return (await client.query<TRow>({ name, text, values: parameters })).rows;
    } finally {
      client.release();
    }
  }

  async #ready(operation: string): Promise<void> {
    if (this.#migrated || !this.#autoMigrate) return;
    // A failed run is forgotten, so the next call tries again (the server may be back).
    this.#migration ??= this.#migrate({}, `${operation} (automatic migration)`).then(
      () => undefined,
      (error: unknown) => {
        this.#migration = undefined;
        throw error;
      },
    );
    await this.#migration;
  }

  #assertOpen(): void {
    if (this.#closed) throw new InternalError('PostgresSessionService is closed');
  }

  #wrap(error: unknown, operation: string) {
    return toStoreError(error, operation, this.#schema, this.#endpoint);
  }
}

/** A client that takes pg's query config object, and so named prepared statements. */
interface PreparingClient {
  query<TRow>(config: {
    name: string;
    text: string;
    values: readonly unknown[];
  }): Promise<{ rows: TRow[] }>;
  release(): void;
}

/** A pool of {@link PreparingClient}s (a `pg.Pool`). */
interface PreparingPool {
  connect(): Promise<PreparingClient>;
}

function isPreparingPool(pool: PostgresPool | undefined): pool is PostgresPool & PreparingPool {
  // pg.Pool has both; a pool with only Kysely's connect() may not take a config object.
  if (typeof (pool as { query?: unknown } | undefined)?.query !== 'function') return false;
  // A pool over a custom connection (PGlite's in-process adapter) talks to no network server;
  // PGlite's adapter ends the connection when a named statement fails, so it gets plain ones.
  const options = (pool as { options?: { connection?: unknown } }).options;
  return options?.connection === undefined;
}

/**
 * A pool emits 'error' when an idle connection drops (server restart, network); with no listener
 * Node would crash. The pool already discards that client and reconnects on the next query.
 */
function listenForIdleErrors(
  pool: PostgresPool,
  onlyIfUnhandled: boolean,
): (() => void) | undefined {
  const emitter = pool as unknown as {
    on?: (event: 'error', listener: (error: Error) => void) => unknown;
    off?: (event: 'error', listener: (error: Error) => void) => unknown;
    listenerCount?: (event: 'error') => number;
  };
  if (typeof emitter.on !== 'function') return undefined;
  if (onlyIfUnhandled && (emitter.listenerCount?.('error') ?? 0) > 0) return undefined;
  const listener = (): void => {};
  emitter.on('error', listener);
  return () => emitter.off?.('error', listener);
}

function serializeTiers(
  tiers: { app: State; user: State; session: State },
  what: string,
): TierDeltas {
  const deltas: TierDeltas = {};
  if (hasKeys(tiers.session)) deltas.session = toStorableJson(tiers.session, what);
  if (hasKeys(tiers.user)) deltas.user = toStorableJson(tiers.user, what);
  if (hasKeys(tiers.app)) deltas.app = toStorableJson(tiers.app, what);
  return deltas;
}

function tempEntries(delta: State): State {
  const temp: State = {};
  for (const key of Object.keys(delta)) if (key.startsWith(TEMP_PREFIX)) temp[key] = delta[key];
  return temp;
}

function isPlainObject(value: unknown): value is State {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
