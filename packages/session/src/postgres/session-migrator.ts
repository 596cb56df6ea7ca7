import { InvalidArgumentError } from '@ferrite/core';
import { Migrator } from 'kysely';
import { kyselyMigrations, migrationName, SESSION_MIGRATIONS, versionOf } from './migrations.js';
import type { SessionDatabase } from './session-database.js';

/** Input of `PostgresSessionService.migrate`. */
export interface MigrateOptions {
  /** Stop at this schema version instead of the newest (for staged upgrades). */
  toVersion?: number;
}

/** Outcome of `PostgresSessionService.migrate`. */
export interface MigrateResult {
  /** The versions this call applied, in order; empty when the schema was already current. */
  applied: number[];
  /** The schema version after the call. */
  version: number;
}

/**
 * Applies {@link SESSION_MIGRATIONS} with Kysely's `Migrator` (its lock serialises processes
 * migrating one database; a version table records what was applied), and runs the automatic
 * migration once before a service's first call.
 */
export class SessionMigrator {
  readonly #database: SessionDatabase;
  readonly #automatic: boolean;
  #current = false;
  #pending: Promise<void> | undefined;

  /**
   * @param automatic when true, {@link ensureCurrent} migrates to the newest version once;
   *   when false it does nothing and the schema changes only through {@link migrate}.
   */
  constructor(database: SessionDatabase, automatic: boolean) {
    this.#database = database;
    this.#automatic = automatic;
  }

  /** Applies what is missing up to `toVersion` (default the newest); errors name `operation`. */
  async migrate(options: MigrateOptions, operation: string): Promise<MigrateResult> {
    const database = this.#database;
    const names = database.names;
    const migrator = new Migrator({
      db: database.kysely,
      provider: { getMigrations: async () => kyselyMigrations(names) },
      migrationTableSchema: names.schema,
      migrationTableName: names.name('schema_version'),
      migrationLockTableName: names.name('schema_version_lock'),
    });
    let outcome;
    try {
      if (options.toVersion === undefined) {
        outcome = await migrator.migrateToLatest();
      } else {
        const target = SESSION_MIGRATIONS.find((m) => m.version === options.toVersion);
        if (!target) {
          throw new InvalidArgumentError(`unknown schema version ${String(options.toVersion)}`);
        }
        outcome = await migrator.migrateTo(migrationName(target));
      }
    } catch (error) {
      throw database.toError(error, operation);
    }
    if (outcome.error !== undefined) throw database.toError(outcome.error, operation);
    const applied = (outcome.results ?? [])
      .filter((r) => r.status === 'Success' && r.direction === 'Up')
      .map((r) => versionOf(r.migrationName));
    let version: number;
    try {
      const migrations = await migrator.getMigrations();
      version = Math.max(
        0,
        ...migrations.filter((m) => m.executedAt).map((m) => versionOf(m.name)),
      );
    } catch (error) {
      throw database.toError(error, operation);
    }
    if (options.toVersion === undefined) this.#current = true;
    return { applied, version };
  }

  /**
   * Before a call: with automatic migration on, migrates once; a failed run is forgotten, so the
   * next call tries again (the server may be back).
   */
  async ensureCurrent(operation: string): Promise<void> {
    if (this.#current || !this.#automatic) return;
    this.#pending ??= this.migrate({}, `${operation} (automatic migration)`).then(
      () => undefined,
      (error: unknown) => {
        this.#pending = undefined;
        throw error;
      },
    );
    await this.#pending;
  }
}
