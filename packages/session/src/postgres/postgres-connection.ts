import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import { isConnectionError } from './store-errors.js';

/** What a statement sends: pg's query config; with a `name`, a named prepared statement. */
export interface StatementConfig {
  text: string;
  values: readonly unknown[];
  name?: string;
}

type ClientResult = { rows: unknown[]; rowCount?: number | null; command?: string };

/**
 * The part of a checked-out `pg.PoolClient` a {@link PostgresConnection} uses. A client of a
 * merely Kysely-compatible pool may lack the query config object and the event methods: it gets
 * plain statements and no listener.
 */
export interface PoolClient {
  query(text: string, values: unknown[]): Promise<ClientResult>;
  query(config: { name: string; text: string; values: unknown[] }): Promise<ClientResult>;
  /** Gives the client back; with an error, the pool discards it instead of reusing it. */
  release(error?: Error): void;
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * One client checked out of the pool, for one statement or one transaction.
 *
 * A `pg` client emits `'error'` when its connection ends (the server restarted, was stopped,
 * or terminated the backend) and the pool listens only while the client is idle: a checked-out
 * client without a listener would crash the process. This connection listens from checkout to
 * release, and gives back a client whose connection failed with `release(error)`, so the pool
 * discards it and the next checkout opens a fresh one.
 */
export class PostgresConnection implements DatabaseConnection {
  readonly #client: PoolClient;
  /** The first connection-level failure; once set, the client is not used again. */
  #failure: Error | undefined;
  #released = false;
  readonly #onError = (error: Error): void => {
    this.#failure ??= error;
  };

  constructor(client: PoolClient) {
    this.#client = client;
    client.on?.('error', this.#onError);
  }

  /** Sends one statement; a connection failure marks the client as broken. */
  async query<TRow>(
    statement: StatementConfig,
  ): Promise<{ rows: TRow[]; rowCount?: number | null; command?: string }> {
    if (this.#failure) throw this.#failure;
    try {
      const { name, text } = statement;
      const values = [...statement.values];
      const result =
        name === undefined
          ? await this.#client.query(text, values)
          : await this.#client.query({ name, text, values });
      return result as { rows: TRow[]; rowCount?: number | null; command?: string };
    } catch (error) {
      if (isConnectionError(error)) this.#failure ??= error as Error;
      throw error;
    }
  }

  /** Kysely's entry point (migrations): plain, unnamed statements. */
  async executeQuery<TRow>(compiled: CompiledQuery): Promise<QueryResult<TRow>> {
    const { command, rowCount, rows } = await this.query<TRow>({
      text: compiled.sql,
      values: compiled.parameters,
    });
    const changed =
      command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE';
    return {
      rows,
      ...(changed && typeof rowCount === 'number' ? { numAffectedRows: BigInt(rowCount) } : {}),
    };
  }

  // The session store reads whole results; Kysely asks for a stream only through .stream().
  // eslint-disable-next-line require-yield
  async *streamQuery<TRow>(): AsyncIterableIterator<QueryResult<TRow>> {
    throw new Error('the session store does not stream query results');
  }

  /**
   * Gives the client back to the pool, with the failure when its connection broke. The pool
   * attaches its own idle listener inside `release`, so the client is never without one.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      this.#client.release(this.#failure);
    } finally {
      this.#client.removeListener?.('error', this.#onError);
    }
  }
}
