import { sql, type Kysely, type Migration } from 'kysely';
import type { TableNames } from './table-names.js';

/** One step of the schema history; steps run in `version` order and never change once shipped. */
export interface SessionMigration {
  /** 1, 2, 3 … without gaps. */
  version: number;
  /** A short description, stored with the version. */
  description: string;
  /** Applies this step; it runs in the migration's transaction. */
  // Kysely migrations take an untyped Kysely: the tables they create are not in any type yet.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, schema: TableNames): Promise<void>;
}

/** The ordered schema history of the session tables. Append new versions; never edit old ones. */
export const SESSION_MIGRATIONS: readonly SessionMigration[] = Object.freeze([
  {
    version: 1,
    description: 'tables',
    async up(db, s) {
      // COLLATE "C": names are ASCII and must sort by code unit, as cursors compare them.
      await sql`
        CREATE TABLE ${s.sessions} (
          app_name text COLLATE "C" NOT NULL,
          user_id text COLLATE "C" NOT NULL,
          id text COLLATE "C" NOT NULL,
          state jsonb NOT NULL DEFAULT '{}'::jsonb,
          revision integer NOT NULL DEFAULT 0,
          create_time double precision NOT NULL,
          update_time double precision NOT NULL,
          CONSTRAINT ${s.id('sessions_pkey')} PRIMARY KEY (app_name, user_id, id)
        )`.execute(db);
      // seq is the session revision the event produced: unique, in append order, and free to
      // compute. The primary key serves newest-N reads (scanned backwards).
      await sql`
        CREATE TABLE ${s.events} (
          app_name text COLLATE "C" NOT NULL,
          user_id text COLLATE "C" NOT NULL,
          session_id text COLLATE "C" NOT NULL,
          seq integer NOT NULL,
          id text NOT NULL,
          event_time double precision NOT NULL,
          event jsonb NOT NULL,
          CONSTRAINT ${s.id('events_pkey')} PRIMARY KEY (app_name, user_id, session_id, seq),
          CONSTRAINT ${s.id('events_id_key')} UNIQUE (app_name, user_id, session_id, id),
          CONSTRAINT ${s.id('events_session_fkey')} FOREIGN KEY (app_name, user_id, session_id)
            REFERENCES ${s.sessions} (app_name, user_id, id) ON DELETE CASCADE
        )`.execute(db);
      await sql`
        CREATE TABLE ${s.appStates} (
          app_name text COLLATE "C" NOT NULL,
          state jsonb NOT NULL DEFAULT '{}'::jsonb,
          CONSTRAINT ${s.id('app_states_pkey')} PRIMARY KEY (app_name)
        )`.execute(db);
      await sql`
        CREATE TABLE ${s.userStates} (
          app_name text COLLATE "C" NOT NULL,
          user_id text COLLATE "C" NOT NULL,
          state jsonb NOT NULL DEFAULT '{}'::jsonb,
          CONSTRAINT ${s.id('user_states_pkey')} PRIMARY KEY (app_name, user_id)
        )`.execute(db);
    },
  },
  {
    version: 2,
    description: 'read indexes',
    async up(db, s) {
      // listSessions pages by (update_time DESC, id, user_id), for one app or one user.
      await sql`
        CREATE INDEX ${s.id('sessions_app_recent_idx')}
        ON ${s.sessions} (app_name, update_time DESC, id, user_id)`.execute(db);
      await sql`
        CREATE INDEX ${s.id('sessions_user_recent_idx')}
        ON ${s.sessions} (app_name, user_id, update_time DESC, id)`.execute(db);
      // getSession({ afterTimestamp }) reads only the matching events.
      await sql`
        CREATE INDEX ${s.id('events_time_idx')}
        ON ${s.events} (app_name, user_id, session_id, event_time)`.execute(db);
    },
  },
  {
    version: 3,
    description: 'append function',
    async up(db, s) {
      // appendEvent as one server-side function: still one statement and one round trip, but
      // PostgreSQL caches the plans of the statements inside per connection, where the same
      // work as one data-modifying CTE was planned again on every call.
      await sql`
        CREATE FUNCTION ${s.table('append_event')}(
          p_app text, p_user text, p_session text, p_revision integer,
          p_event_id text, p_event_time double precision, p_event jsonb,
          p_session_delta jsonb, p_user_delta jsonb, p_app_delta jsonb)
        RETURNS TABLE (new_revision integer, session_exists boolean, app_tier jsonb, user_tier jsonb)
        LANGUAGE plpgsql
        AS $fn$
        BEGIN
          UPDATE ${s.sessions} AS t
          SET revision = t.revision + 1,
              update_time = p_event_time,
              state = CASE WHEN p_session_delta IS NULL THEN t.state ELSE t.state || p_session_delta END
          WHERE t.app_name = p_app AND t.user_id = p_user AND t.id = p_session
            AND t.revision = p_revision
          RETURNING t.revision INTO new_revision;
          IF new_revision IS NULL THEN
            -- Stale or missing: nothing was written; say which.
            session_exists := EXISTS (
              SELECT 1 FROM ${s.sessions} AS t
              WHERE t.app_name = p_app AND t.user_id = p_user AND t.id = p_session);
            RETURN NEXT;
            RETURN;
          END IF;
          session_exists := true;
          INSERT INTO ${s.events} (app_name, user_id, session_id, seq, id, event_time, event)
          VALUES (p_app, p_user, p_session, new_revision, p_event_id, p_event_time, p_event);
          -- App before user, as in createSession: a fixed lock order cannot deadlock.
          IF p_app_delta IS NULL THEN
            SELECT t.state INTO app_tier FROM ${s.appStates} AS t WHERE t.app_name = p_app;
          ELSE
            INSERT INTO ${s.appStates} AS t (app_name, state) VALUES (p_app, p_app_delta)
            ON CONFLICT (app_name) DO UPDATE SET state = t.state || excluded.state
            RETURNING t.state INTO app_tier;
          END IF;
          IF p_user_delta IS NULL THEN
            SELECT t.state INTO user_tier FROM ${s.userStates} AS t
            WHERE t.app_name = p_app AND t.user_id = p_user;
          ELSE
            INSERT INTO ${s.userStates} AS t (app_name, user_id, state)
            VALUES (p_app, p_user, p_user_delta)
            ON CONFLICT (app_name, user_id) DO UPDATE SET state = t.state || excluded.state
            RETURNING t.state INTO user_tier;
          END IF;
          RETURN NEXT;
        END
        $fn$`.execute(db);
    },
  },
]);

/** The Kysely migration name of a version: zero-padded, so names sort in version order. */
export function migrationName(migration: SessionMigration): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.description.replaceAll(' ', '_')}`;
}

/** The version a Kysely migration name stands for. */
export function versionOf(name: string): number {
  return Number.parseInt(name.slice(0, 4), 10);
}

/** The migrations as Kysely expects them, bound to one schema and prefix. */
export function kyselyMigrations(schema: TableNames): Record<string, Migration> {
  const result: Record<string, Migration> = {};
  for (const migration of SESSION_MIGRATIONS) {
    result[migrationName(migration)] = { up: (db) => migration.up(db, schema) };
  }
  return result;
}
