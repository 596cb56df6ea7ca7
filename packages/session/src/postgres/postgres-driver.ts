import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type TransactionSettings,
} from 'kysely';
import { PostgresConnection, type PoolClient } from './postgres-connection.js';

/** The part of a `pg.Pool` (or PGlite's `pg` adapter pool) the driver uses. */
export interface ClientPool {
  connect(): Promise<PoolClient>;
  end?(): Promise<void>;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
  listenerCount?(event: 'error'): number;
}

/**
 * The session store's Kysely driver over a `pg` pool, in Kysely's dialect → driver →
 * connection layering: it checks clients out as {@link PostgresConnection}s (listening for
 * connection errors for the whole checkout) and, when it created the pool, ends it.
 *
 * The service sends its own statements through {@link acquireConnection} directly; Kysely uses
 * the same driver (through {@link sessionDialect}) for migrations and their transactions.
 */
export class PostgresDriver implements Driver {
  readonly #pool: ClientPool;
  readonly #ownsPool: boolean;
  readonly #detachIdleListener: (() => void) | undefined;
  #destroyed = false;

  /**
   * @param pool the pool to check clients out of.
   * @param ownsPool true when the driver created the pool, so {@link destroy} ends it; a pool it
   *   was given keeps running, and gets an idle-error listener only when it has none.
   */
  constructor(pool: ClientPool, ownsPool: boolean) {
    this.#pool = pool;
    this.#ownsPool = ownsPool;
    this.#detachIdleListener = listenForIdleErrors(pool, !ownsPool);
  }

  async init(): Promise<void> {}

  /** A client of the pool, with its error listener attached until it is released. */
  async acquireConnection(): Promise<PostgresConnection> {
    if (this.#destroyed) throw new Error('the session store is closed');
    return new PostgresConnection(await this.#pool.connect());
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    let statement = 'start transaction';
    if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode) statement += ` ${settings.accessMode}`;
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PostgresConnection).release();
  }

  /** Ends the pool if the driver created it; a given pool only loses the listener added to it. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#ownsPool) {
      // Ended first, so a client closing during end() still finds the pool's listener.
      await this.#pool.end?.();
    }
    this.#detachIdleListener?.();
  }
}

/** A Kysely dialect for PostgreSQL that uses the given {@link PostgresDriver}. */
export function sessionDialect(driver: PostgresDriver): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

/**
 * A pool emits 'error' when an idle client's connection drops (server restart, network); with
 * no listener Node would crash. The pool already discards that client and reconnects later.
 */
function listenForIdleErrors(pool: ClientPool, onlyIfUnhandled: boolean): (() => void) | undefined {
  if (typeof pool.on !== 'function') return undefined;
  if (onlyIfUnhandled && (pool.listenerCount?.('error') ?? 0) > 0) return undefined;
  const listener = (): void => {};
  pool.on('error', listener);
  return () => pool.off?.('error', listener);
}
