import type { Event } from '@ferrite/core';
import { sql, type RawBuilder } from 'kysely';
import type { SessionCursor } from '../validation/session-cursor.js';
import type { TableNames } from './table-names.js';

type State = Record<string, unknown>;

/** Row of {@link SessionQueries.create}. */
export interface CreateRow {
  revision: number;
  app_state: State | null;
  user_state: State | null;
}

/** Row of {@link SessionQueries.append}: `revision` is null when nothing was written. */
export interface AppendRow {
  revision: number | null;
  found: boolean;
  app_state: State | null;
  user_state: State | null;
}

/** Row of {@link SessionQueries.get}. */
export interface GetRow {
  state: State;
  revision: number;
  update_time: number;
  app_state: State | null;
  user_state: State | null;
  events: Event[];
}

/** Row of {@link SessionQueries.list}: sessions as `[userId, id, state, revision, updateTime]`. */
export interface ListRow {
  app_state: State | null;
  user_states: Record<string, State>;
  sessions: [string, string, State, number, number][];
}

/** JSON text of each tier's delta, or undefined for a tier the delta does not touch. */
export interface TierDeltas {
  session?: string;
  user?: string;
  app?: string;
}

/**
 * The SQL of every session operation. Each is a single statement (data-modifying CTEs, or the
 * `append_event` function), so each operation is one round trip and atomic without an explicit
 * transaction.
 */
export class SessionQueries {
  readonly #s: TableNames;

  constructor(schema: TableNames) {
    this.#s = schema;
  }

  /** Inserts a session and merges its app:/user: keys into their tiers with `||`. */
  create(
    key: { appName: string; userId: string; sessionId: string },
    now: number,
    deltas: TierDeltas,
  ): RawBuilder<CreateRow> {
    const s = this.#s;
    const { appName, userId, sessionId } = key;
    return sql<CreateRow>`
      WITH s AS (
        INSERT INTO ${s.sessions} (app_name, user_id, id, state, revision, create_time, update_time)
        VALUES (${appName}, ${userId}, ${sessionId}, ${deltas.session ?? '{}'}::jsonb, 0, ${now}, ${now})
        RETURNING revision
      )${this.#tierUpserts(appName, userId, deltas)}
      SELECT (SELECT revision FROM s) AS revision, ${this.#tierColumns(appName, userId, deltas)}`;
  }

  /**
   * Appends an event if the session is still at `revision` (see the `append_event` function of
   * migration 3): bumps the revision, stores the event under the new revision as its seq, merges
   * the deltas with `||` and returns the fresh tiers.
   */
  append(
    key: { appName: string; userId: string; sessionId: string },
    revision: number,
    event: { id: string; timestamp: number; json: string },
    deltas: TierDeltas,
  ): RawBuilder<AppendRow> {
    const { appName, userId, sessionId } = key;
    return sql<AppendRow>`
      SELECT new_revision AS revision, session_exists AS found,
        app_tier AS app_state, user_tier AS user_state
      FROM ${this.#s.table('append_event')}(
        ${appName}, ${userId}, ${sessionId}, ${revision}::integer,
        ${event.id}, ${event.timestamp}::double precision, ${event.json}::jsonb,
        ${deltas.session ?? null}::jsonb, ${deltas.user ?? null}::jsonb, ${deltas.app ?? null}::jsonb)`;
  }

  /** Reads a session, its newest events (only those returned) and the current tiers. */
  get(
    key: { appName: string; userId: string; sessionId: string },
    filter: { numRecentEvents?: number; afterTimestamp?: number },
  ): RawBuilder<GetRow> {
    const s = this.#s;
    const { appName, userId, sessionId } = key;
    const after =
      filter.afterTimestamp === undefined ? sql`` : sql`AND event_time >= ${filter.afterTimestamp}`;
    const limit =
      filter.numRecentEvents === undefined ? sql`` : sql`LIMIT ${filter.numRecentEvents}`;
    return sql<GetRow>`
      SELECT s.state, s.revision, s.update_time,
        (SELECT state FROM ${s.appStates} WHERE app_name = ${appName}) AS app_state,
        (SELECT state FROM ${s.userStates} WHERE app_name = ${appName} AND user_id = ${userId})
          AS user_state,
        (SELECT COALESCE(json_agg(recent.event ORDER BY recent.seq), '[]'::json)
          FROM (
            SELECT seq, event FROM ${s.events}
            WHERE app_name = ${appName} AND user_id = ${userId} AND session_id = ${sessionId} ${after}
            ORDER BY seq DESC ${limit}
          ) AS recent) AS events
      FROM ${s.sessions} AS s
      WHERE s.app_name = ${appName} AND s.user_id = ${userId} AND s.id = ${sessionId}`;
  }

  /** One page of sessions after `cursor`, plus the tiers they show, keyset-paginated. */
  list(
    appName: string,
    userId: string | undefined,
    cursor: SessionCursor | undefined,
    limit: number,
  ): RawBuilder<ListRow> {
    const s = this.#s;
    const byUser = userId === undefined ? sql`` : sql`AND user_id = ${userId}`;
    // The first condition bounds the index range; the second drops the ties already seen.
    const after =
      cursor === undefined
        ? sql``
        : sql`AND update_time <= ${cursor.lastUpdateTime}
              AND (update_time < ${cursor.lastUpdateTime} OR (id, user_id) > (${cursor.id}, ${cursor.userId}))`;
    return sql<ListRow>`
      WITH page AS (
        SELECT user_id, id, state, revision, update_time FROM ${s.sessions}
        WHERE app_name = ${appName} ${byUser} ${after}
        ORDER BY update_time DESC, id, user_id
        LIMIT ${limit}
      )
      SELECT
        (SELECT state FROM ${s.appStates} WHERE app_name = ${appName}) AS app_state,
        (SELECT COALESCE(json_object_agg(user_id, state), '{}'::json) FROM ${s.userStates}
          WHERE app_name = ${appName} AND user_id IN (SELECT user_id FROM page)) AS user_states,
        (SELECT COALESCE(json_agg(json_build_array(user_id, id, state, revision, update_time)
            ORDER BY update_time DESC, id, user_id), '[]'::json)
          FROM page) AS sessions`;
  }

  /** Deletes a session; its events go with it (ON DELETE CASCADE). */
  delete(key: { appName: string; userId: string; sessionId: string }): RawBuilder<unknown> {
    const s = this.#s;
    return sql`
      DELETE FROM ${s.sessions}
      WHERE app_name = ${key.appName} AND user_id = ${key.userId} AND id = ${key.sessionId}`;
  }

  // Upserts run only when a row of `s` exists, so a failed check writes no tier. Both statements
  // that touch tiers lock app then user, in that order, so they cannot deadlock each other.
  #tierUpserts(appName: string, userId: string, deltas: TierDeltas): RawBuilder<unknown> {
    const s = this.#s;
    const app =
      deltas.app === undefined
        ? sql``
        : sql`, app AS (
            INSERT INTO ${s.appStates} AS t (app_name, state)
            SELECT ${appName}, ${deltas.app}::jsonb FROM s
            ON CONFLICT (app_name) DO UPDATE SET state = t.state || excluded.state
            RETURNING state
          )`;
    const user =
      deltas.user === undefined
        ? sql``
        : sql`, usr AS (
            INSERT INTO ${s.userStates} AS t (app_name, user_id, state)
            SELECT ${appName}, ${userId}, ${deltas.user}::jsonb FROM s
            ON CONFLICT (app_name, user_id) DO UPDATE SET state = t.state || excluded.state
            RETURNING state
          )`;
    return sql`${app}${user}`;
  }

  #tierColumns(appName: string, userId: string, deltas: TierDeltas): RawBuilder<unknown> {
    const s = this.#s;
    const currentApp = sql`(SELECT state FROM ${s.appStates} WHERE app_name = ${appName})`;
    const currentUser = sql`(SELECT state FROM ${s.userStates}
      WHERE app_name = ${appName} AND user_id = ${userId})`;
    const app =
      deltas.app === undefined ? currentApp : sql`COALESCE((SELECT state FROM app), ${currentApp})`;
    const user =
      deltas.user === undefined
        ? currentUser
        : sql`COALESCE((SELECT state FROM usr), ${currentUser})`;
    return sql`${app} AS app_state, ${user} AS user_state`;
  }
}
