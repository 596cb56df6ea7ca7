import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use; CI guarantees it, so its absence fails the tests. */
export const POSTGRES_URL =
  process.env.FERRITE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other test run uses. */
export function randomSchema(): string {
  return `ferrite_test_${randomBytes(6).toString('hex')}`;
}

/** Throws a clear error when the test PostgreSQL cannot be reached (tests must fail, not skip). */
export async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${POSTGRES_URL} (${error instanceof Error ? error.message : String(error)}). ` +
        'These tests need a real server (database "test", user "postgres", trust auth); start it, ' +
        'e.g. `pg_ctlcluster 15 main start`, or set FERRITE_TEST_POSTGRES_URL.',
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs one statement on the test database with a short-lived client. */
export async function adminQuery<TRow extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<TRow[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<TRow>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
