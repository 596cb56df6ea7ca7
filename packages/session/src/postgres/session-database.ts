import { createHash } from 'node:crypto';
import type { FerriteError} from '@ferrite/core';
import { InvalidArgumentError } from '@ferrite/core';
import { Kysely, type PostgresPool, type RawBuilder } from 'kysely';
import pg from 'pg';
import { PostgresDriver, sessionDialect, type ClientPool } from './postgres-driver.js';
import { endpointOf, isRetryable, toStoreError, type StoreEndpoint } from './store-errors.js';
import type { TableNames } from './table-names.js';

// The store runs raw SQL only, so it needs no table types from the caller's Kysely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;

/** One way to reach the database (see `PostgresSessionServiceConfig`). */
export type DatabaseTarget =
  | { pool: PostgresPool }
  | { connectionString: string; maxConnections?: number }
  | { db: AnyKysely };

const MAX_ATTEMPTS = 3;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The database access of the session store: which pool or Kysely it talks to, how a statement
 * goes out (a named prepared statement on a checked-out connection, or plain through a given
 * Kysely), the retry of statements PostgreSQL rolled back for a deadlock or serialisation
 * failure, and the mapping of driver errors to Ferrite errors.
 */
export class SessionDatabase {
  /** The Kysely that compiles the statements and runs the migrations. */
  readonly kysely: AnyKysely;
  /** Table, index and function names. */
  readonly names: TableNames;
  /** Set unless the store was given a Kysely, whose pool it cannot reach. */
  readonly #driver: PostgresDriver | undefined;
  /** Send named prepared statements (only through {@link #driver}). */
  readonly #prepare: boolean;
  readonly #endpoint: StoreEndpoint;
  readonly #statementNames = new Map<string, string>();

  constructor(target: DatabaseTarget, names: TableNames, preparedStatements: boolean) {
    this.names = names;
    let pool: ClientPool;
    let ownsPool: boolean;
    if ('db' in target && target.db !== undefined) {
      this.kysely = target.db;
      this.#driver = undefined;
      this.#prepare = false;
      this.#endpoint = { secrets: [] };
      return;
    } else if ('pool' in target && target.pool !== undefined) {
      pool = target.pool as unknown as ClientPool;
      ownsPool = false;
      const options = (target.pool as { options?: Record<string, unknown> }).options ?? {};
      this.#endpoint = endpointOf(options);
    } else if ('connectionString' in target && typeof target.connectionString === 'string') {
      pool = new pg.Pool({
        connectionString: target.connectionString,
        max: target.maxConnections ?? 10,
        // Without a bound, an unreachable host waits for the operating system's TCP timeout.
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      });
      ownsPool = true;
      this.#endpoint = endpointOf({ connectionString: target.connectionString });
    } else {
      throw new InvalidArgumentError(
        'PostgresSessionService needs one of pool, connectionString or db',
      );
    }
    this.#driver = new PostgresDriver(pool, ownsPool);
    this.kysely = new Kysely({ dialect: sessionDialect(this.#driver) });
    this.#prepare = preparedStatements && takesNamedStatements(pool);
  }

  /**
   * Runs one statement and returns its rows. A deadlock or serialisation failure rolled the
   * whole statement back, so it is run again (three attempts in all); any other failure becomes
   * a Ferrite error naming `operation`.
   */
  async execute<TRow>(operation: string, query: RawBuilder<TRow>): Promise<TRow[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#send(query);
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
        throw this.toError(error, operation);
      }
    }
  }

  /** A driver error as a {@link FerriteError} naming `operation`, the original as `cause`. */
  toError(error: unknown, operation: string): FerriteError {
    return toStoreError(error, operation, this.names, this.#endpoint);
  }

  /** Ends the pool if the store created it; a given pool or Kysely stays open. */
  async close(): Promise<void> {
    await this.#driver?.destroy();
  }

  async #send<TRow>(query: RawBuilder<TRow>): Promise<TRow[]> {
    const driver = this.#driver;
    if (!driver) return (await query.execute(this.kysely)).rows;
    const { sql: text, parameters } = query.compile(this.kysely);
    const name = this.#prepare ? this.#statementName(text) : undefined;
    // A checked-out client rather than pool.query(), which drops the connection after any
    // error (a unique violation included) and so would lose its prepared statements.
    const connection = await driver.acquireConnection();
    try {
      return (
        await connection.query<TRow>({
          text,
          values: parameters,
          ...(name === undefined ? {} : { name }),
        })
      ).rows;
    } finally {
      connection.release();
    }
  }

  #statementName(text: string): string {
    let name = this.#statementNames.get(text);
    if (name === undefined) {
      // One name per statement text: pg refuses a known name with another text.
      name = `ferrite_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      this.#statementNames.set(text, name);
    }
    return name;
  }
}

function takesNamedStatements(pool: ClientPool): boolean {
  // pg.Pool has query(); a pool with only Kysely's connect() may not take a config object.
  if (typeof (pool as { query?: unknown }).query !== 'function') return false;
  // A pool over a custom connection (PGlite's in-process adapter) talks to no network server;
  // PGlite's adapter ends the connection when a named statement fails, so it gets plain ones.
  const options = (pool as { options?: { connection?: unknown } }).options;
  return options?.connection === undefined;
}
