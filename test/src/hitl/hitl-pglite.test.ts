import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PostgresSessionService } from '@ferrite/session/postgres';
import { humanInTheLoopContract } from './hitl-contract.js';

let pglite: PGlite | undefined;
let pool: pg.Pool | undefined;
let service: PostgresSessionService | undefined;

beforeAll(async () => {
  // PGlite takes seconds to start: here, under the hook timeout, not in a test.
  pglite = await PGlite.create('memory://');
  pool = new pg.Pool(createPgConfig(pglite));
  service = new PostgresSessionService({ pool });
  await service.migrate();
}, 120_000);

afterAll(async () => {
  await service?.close();
  await pool?.end();
  await pglite?.close();
});

humanInTheLoopContract('PostgresSessionService on PGlite', () => {
  if (!service) throw new Error('PGlite did not start');
  return service;
});
