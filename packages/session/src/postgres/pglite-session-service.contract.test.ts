import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { sessionServiceContract } from '@ferrite/core/testing';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PostgresSessionService } from './postgres-session-service.js';

// The same SQL on an embedded PGlite; this runs with or without a PostgreSQL server.
let pglite: PGlite | undefined;
let pool: pg.Pool | undefined;
let service: PostgresSessionService | undefined;

beforeAll(async () => {
  // PGlite takes seconds to start: do it here, under a generous hook timeout, not in a test.
  pglite = await PGlite.create();
  pool = new pg.Pool(createPgConfig(pglite));
  service = new PostgresSessionService({ pool });
  await service.migrate();
}, 120_000);

afterAll(async () => {
  await service?.close();
  await pool?.end();
  await pglite?.close();
});

sessionServiceContract('PostgresSessionService on PGlite', {
  create: () => {
    if (!service) throw new Error('PGlite did not start');
    return service;
  },
});
