/**
 * `@ferrite/session/testing`: the test PostgreSQL (`FERRITE_TEST_POSTGRES_URL`, default
 * `postgres://postgres@127.0.0.1:5432/test`) with throw-away schemas, and a private PostgreSQL
 * cluster for tests that stop and restart the database server.
 */
export {
  PrivatePostgres,
  startPrivatePostgres,
  POSTGRES_BIN,
  type PrivatePostgresOptions,
} from './testing/private-postgres.js';
export {
  POSTGRES_URL,
  randomSchema,
  requirePostgres,
  adminQuery,
  dropSchema,
} from './postgres/testing/test-database.js';
