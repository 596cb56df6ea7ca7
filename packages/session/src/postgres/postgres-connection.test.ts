import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresDriver } from './postgres-driver.js';
import { adminQuery, POSTGRES_URL, requirePostgres } from './testing/test-database.js';

describe('PostgresConnection', () => {
  it('listens for the error of a backend terminated during its checkout and gives the client back with it, so the pool discards it', async () => {
    await requirePostgres();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    const driver = new PostgresDriver(pool, true);
    try {
      const connection = await driver.acquireConnection();
      const { rows } = await connection.query<{ pid: number }>({
        text: 'SELECT pg_backend_pid() AS pid',
        values: [],
      });
      const released = new Promise<unknown>((resolve) => pool.once('release', resolve));
      const removed = new Promise<void>((resolve) => pool.once('remove', () => resolve()));
      // Between two statements of one checkout: no query is active, so pg emits 'error' on
      // the client, which the pool does not listen to while the client is checked out.
      await adminQuery('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await expect
        .poll(async () =>
          connection.query({ text: 'SELECT 1', values: [] }).then(
            () => 'answered',
            (error: { code?: string; message?: string }) => error.code ?? error.message,
          ),
        )
        .not.toBe('answered');
      connection.release();
      expect(await released).toBeInstanceOf(Error);
      await removed;
      expect(pool.totalCount).toBe(0);
      // The next checkout opens a fresh connection that works.
      const fresh = await driver.acquireConnection();
      expect((await fresh.query({ text: 'SELECT 1 AS one', values: [] })).rows).toEqual([
        { one: 1 },
      ]);
      fresh.release();
    } finally {
      await driver.destroy();
    }
  });
});
