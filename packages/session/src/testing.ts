/**
 * `@ferrite/session/testing`: a private PostgreSQL cluster for tests that stop and restart the
 * database server.
 */
export {
  PrivatePostgres,
  startPrivatePostgres,
  POSTGRES_BIN,
  type PrivatePostgresOptions,
} from './testing/private-postgres.js';
