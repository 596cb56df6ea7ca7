import { randomUUID } from 'node:crypto';
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
import type { PostgresPool, RawBuilder } from 'kysely';
import { decodeSessionCursor, encodeSessionCursor } from '../validation/session-cursor.js';
import {
  resolveListLimit,
  validateEvent,
  validateEventFilters,
} from '../validation/session-options.js';
import { SessionDatabase, type AnyKysely } from './session-database.js';
import { SessionMigrator, type MigrateOptions, type MigrateResult } from './session-migrator.js';
import { SessionQueries, type TierDeltas } from './session-queries.js';
import { TableNames } from './table-names.js';

export type { MigrateOptions, MigrateResult };

type State = Record<string, unknown>;

/** Where the tables live and whether they are created on first use. */
export interface PostgresSessionStorageConfig {
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
export type PostgresSessionServiceConfig = PostgresSessionStorageConfig &
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
  readonly #database: SessionDatabase;
  readonly #migrator: SessionMigrator;
  readonly #queries: SessionQueries;
  #closed = false;

  constructor(config: PostgresSessionServiceConfig) {
    const names = new TableNames(config.schema ?? 'ferrite', config.tablePrefix ?? '');
    this.#database = new SessionDatabase(config, names, config.preparedStatements ?? true);
    this.#migrator = new SessionMigrator(this.#database, config.migrate ?? true);
    this.#queries = new SessionQueries(names);
  }

  /**
   * Creates the schema and tables, or upgrades them to the newest version; idempotent and safe
   * to run from several processes at once (a lock serialises them, a version table records them).
   */
  async migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
    this.#assertOpen();
    return this.#migrator.migrate(options, 'migrate');
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
    if (typeof event === 'object' && event !== null && event.partial) return event;
    const { actions, stateDelta: delta } = validateEvent(event);
    if (!Number.isSafeInteger(session.revision)) {
      throw new InvalidArgumentError(
        `session.revision must be an integer, got ${String(session.revision)}`,
      );
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
    // The optimistic-concurrency check (revision compare-and-bump) and the writes live in the
    // PL/pgSQL function `append_event`, created by a migration (see migrations.ts): a change to
    // them is a new migration that replaces the function, never an edit of an applied one.
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
    await this.#database.close();
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
    await this.#migrator.ensureCurrent(operation);
    return this.#database.execute(operation, query);
  }

  #assertOpen(): void {
    if (this.#closed) throw new InternalError('PostgresSessionService is closed');
  }
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
