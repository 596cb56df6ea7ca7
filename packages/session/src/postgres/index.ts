export {
  PostgresSessionService,
  type PostgresSessionServiceConfig,
  type PostgresSessionStorageConfig,
  type MigrateOptions,
  type MigrateResult,
} from './postgres-session-service.js';
export { SESSION_MIGRATIONS, type SessionMigration } from './migrations.js';
export { TableNames } from './table-names.js';
export { PostgresSessionLock, type PostgresSessionLockConfig } from './postgres-session-lock.js';
