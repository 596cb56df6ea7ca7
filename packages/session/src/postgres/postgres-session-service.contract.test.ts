import { sessionServiceContract } from '@ferrite/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { PostgresSessionService } from './postgres-session-service.js';
import {
  dropSchema,
  POSTGRES_URL,
  randomSchema,
  requirePostgres,
} from './testing/test-database.js';

// One service for the whole file: every contract test works under its own app name. The schema
// is this run's own, so concurrent runs never collide.
const schema = randomSchema();
let service: PostgresSessionService | undefined;

beforeAll(async () => {
  await requirePostgres();
});

afterAll(async () => {
  await service?.close();
  await dropSchema(schema);
});

sessionServiceContract('PostgresSessionService on PostgreSQL', {
  create: () =>
    (service ??= new PostgresSessionService({ connectionString: POSTGRES_URL, schema })),
});
