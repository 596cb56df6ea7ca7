import { createServer } from 'node:net';
import {
  createEvent,
  FerriteError,
  InternalError,
  InvalidArgumentError,
  SessionExistsError,
  userContent,
  type Event,
} from '@ferrite/core';
import { expectFerriteError, randomAppName } from '@ferrite/core/testing';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionService } from './postgres-session-service.js';
import { SessionQueries } from './session-queries.js';
import { TableNames } from './table-names.js';
import { decodeSessionCursor } from '../validation/session-cursor.js';
import {
  adminQuery,
  dropSchema,
  POSTGRES_URL,
  randomSchema,
  requirePostgres,
} from './testing/test-database.js';

const schemas: string[] = [];
const services: PostgresSessionService[] = [];

/** A service on a schema of its own, closed and dropped after the file. */
function newService(options: { migrate?: boolean; connectionString?: string } = {}) {
  const schema = randomSchema();
  schemas.push(schema);
  const service = new PostgresSessionService({
    connectionString: options.connectionString ?? POSTGRES_URL,
    schema,
    migrate: options.migrate ?? true,
  });
  services.push(service);
  return { service, schema };
}

beforeAll(async () => {
  await requirePostgres();
});

afterAll(async () => {
  for (const service of services) await service.close();
  for (const schema of schemas) await dropSchema(schema);
});

const tablesIn = async (schema: string) =>
  (
    await adminQuery<{ tablename: string }>(
      'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
      [schema],
    )
  ).map((r) => r.tablename);
const indexesIn = async (schema: string) =>
  (
    await adminQuery<{ indexname: string }>(
      'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
      [schema],
    )
  ).map((r) => r.indexname);

describe('migrate', () => {
  it('creates the schema and tables, and a second call changes nothing', async () => {
    const { service, schema } = newService({ migrate: false });
    expect(await service.migrate()).toEqual({ applied: [1, 2, 3], version: 3 });
    expect(await tablesIn(schema)).toEqual([
      'app_states',
      'events',
      'schema_version',
      'schema_version_lock',
      'sessions',
      'user_states',
    ]);
    const versions = await adminQuery(`SELECT * FROM "${schema}".schema_version ORDER BY name`);
    const indexes = await indexesIn(schema);
    expect(await service.migrate()).toEqual({ applied: [], version: 3 });
    expect(await adminQuery(`SELECT * FROM "${schema}".schema_version ORDER BY name`)).toEqual(
      versions,
    );
    expect(await indexesIn(schema)).toEqual(indexes);
  });

  it('upgrades a version-1 schema and keeps its data', async () => {
    const { service, schema } = newService({ migrate: false });
    expect(await service.migrate({ toVersion: 1 })).toEqual({ applied: [1], version: 1 });
    expect(await indexesIn(schema)).not.toContain('events_time_idx');
    const appName = randomAppName();
    const session = await service.createSession({
      appName,
      userId: 'u1',
      sessionId: 's1',
      state: { own: 1, 'user:u': 2, 'app:a': 3 },
    });
    // An event as version 1 stores it (the code of this version appends through version 3).
    await adminQuery(
      `INSERT INTO "${schema}".events (app_name, user_id, session_id, seq, id, event_time, event)
       VALUES ($1, 'u1', 's1', 1, 'e1', 100, $2::jsonb)`,
      [
        appName,
        JSON.stringify(
          createEvent({ id: 'e1', author: 'user', timestamp: 100, content: userContent('before') }),
        ),
      ],
    );
    await adminQuery(`UPDATE "${schema}".sessions SET revision = 1, update_time = 100`);
    const stale = await expectFerriteError(
      service.appendEvent({
        session: { ...session, revision: 1 },
        event: createEvent({ author: 'user' }),
      }),
      InternalError,
    );
    expect(stale.message).toContain('run migrate()');
    const before = await service.getSession({ appName, userId: 'u1', sessionId: 's1' });

    expect(await service.migrate()).toEqual({ applied: [2, 3], version: 3 });
    expect(await indexesIn(schema)).toEqual(
      expect.arrayContaining([
        'events_time_idx',
        'sessions_app_recent_idx',
        'sessions_user_recent_idx',
      ]),
    );
    expect(await service.getSession({ appName, userId: 'u1', sessionId: 's1' })).toEqual(before);
    expect(before?.events.map((e) => e.content?.parts[0]?.text)).toEqual(['before']);
    await service.appendEvent({
      session: before!,
      event: createEvent({ author: 'user', timestamp: 200, content: userContent('after') }),
    });
    const after = await service.getSession({
      appName,
      userId: 'u1',
      sessionId: 's1',
      afterTimestamp: 150,
    });
    expect(after?.events.map((e) => e.content?.parts[0]?.text)).toEqual(['after']);
    expect(after?.state).toEqual({ own: 1, 'user:u': 2, 'app:a': 3 });
  });

  it('lets two services migrate the same fresh schema at once', async () => {
    const { service: first, schema } = newService({ migrate: false });
    const second = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
    services.push(second);
    const results = await Promise.all([first.migrate(), second.migrate()]);
    expect(results.map((r) => r.version)).toEqual([3, 3]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual([1, 2, 3]);
  });

  it('with migrate: false touches nothing and says to run migrate()', async () => {
    const { service, schema } = newService({ migrate: false });
    const error = await expectFerriteError(
      service.createSession({ appName: 'a', userId: 'u' }),
      InternalError,
    );
    expect(error.message).toContain('migrate()');
    expect(error.cause).toBeDefined();
    expect(await tablesIn(schema)).toEqual([]);
  });

  it('retries a failed automatic migration on the next call', async () => {
    const { service, schema } = newService();
    // A foreign table in the way makes version 1 fail.
    await adminQuery(`CREATE SCHEMA "${schema}"`);
    await adminQuery(`CREATE TABLE "${schema}".events (x int)`);
    await expectFerriteError(service.createSession({ appName: 'a', userId: 'u' }), InternalError);
    await expectFerriteError(service.createSession({ appName: 'a', userId: 'u' }), InternalError);
    await adminQuery(`DROP TABLE "${schema}".events`);
    const session = await service.createSession({ appName: 'a', userId: 'u', sessionId: 's' });
    expect(session.id).toBe('s');
  });

  it('keeps apart two prefixes in one schema', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const plain = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
    const prefixed = new PostgresSessionService({
      connectionString: POSTGRES_URL,
      schema,
      tablePrefix: 'agent_',
    });
    services.push(plain, prefixed);
    await plain.createSession({
      appName: 'a',
      userId: 'u',
      sessionId: 's',
      state: { who: 'plain' },
    });
    await prefixed.createSession({
      appName: 'a',
      userId: 'u',
      sessionId: 's',
      state: { who: 'prefixed' },
    });
    expect((await plain.getSession({ appName: 'a', userId: 'u', sessionId: 's' }))?.state).toEqual({
      who: 'plain',
    });
    expect(
      (await prefixed.getSession({ appName: 'a', userId: 'u', sessionId: 's' }))?.state,
    ).toEqual({ who: 'prefixed' });
    expect(await tablesIn(schema)).toContain('agent_sessions');
  });

  it('rejects a schema or prefix that is not a plain identifier', () => {
    for (const schema of ['a"b', 'bad schema', '1abc', 'x'.repeat(64)]) {
      expect(() => new PostgresSessionService({ connectionString: POSTGRES_URL, schema })).toThrow(
        InvalidArgumentError,
      );
    }
    expect(
      () => new PostgresSessionService({ connectionString: POSTGRES_URL, tablePrefix: 'a;b' }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('prepared statements', () => {
  async function preparedAfterATurn(preparedStatements?: boolean): Promise<string[]> {
    const schema = randomSchema();
    schemas.push(schema);
    // One connection, so the statements this service prepared are the ones the query sees.
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    try {
      const service = new PostgresSessionService({
        pool,
        schema,
        ...(preparedStatements === undefined ? {} : { preparedStatements }),
      });
      const session = await service.createSession({ appName: 'a', userId: 'u', sessionId: 's' });
      const event = createEvent({ author: 'user', content: userContent('hi') });
      await service.appendEvent({ session, event });
      // A failed named statement leaves the connection usable for the next one.
      await expectFerriteError(service.appendEvent({ session, event }), InvalidArgumentError);
      const read = await service.getSession({ appName: 'a', userId: 'u', sessionId: 's' });
      expect(read?.events.map((stored) => stored.id)).toEqual([event.id]);
      const { rows } = await pool.query<{ name: string }>(
        'SELECT name FROM pg_prepared_statements ORDER BY name',
      );
      return rows.map((row) => row.name);
    } finally {
      await pool.end();
    }
  }

  it('parses each statement once per connection, under a name derived from its text', async () => {
    const names = await preparedAfterATurn();
    // createSession, appendEvent and getSession: three statements, each prepared once.
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^ferrite_[0-9a-f]{24}$/);
  });

  it('sends plain statements with preparedStatements: false', async () => {
    expect(await preparedAfterATurn(false)).toEqual([]);
  });
});

describe('pool ownership', () => {
  it('never ends a pool it was given, nor destroys a given Kysely', async () => {
    const schema = randomSchema();
    schemas.push(schema);
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
    try {
      const service = new PostgresSessionService({ pool, schema });
      await service.createSession({ appName: 'a', userId: 'u', sessionId: 's' });
      await service.close();
      expect(pool.ended).toBe(false);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await expectFerriteError(
        service.getSession({ appName: 'a', userId: 'u', sessionId: 's' }),
        InternalError,
      );

      const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) });
      const overDb = new PostgresSessionService({ db, schema });
      expect(await overDb.getSession({ appName: 'a', userId: 'u', sessionId: 's' })).toBeDefined();
      await overDb[Symbol.asyncDispose]();
      expect(pool.ended).toBe(false);
      expect((await pool.query('SELECT 1')).rowCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('ends the pool it created on close', async () => {
    const applicationName = `ferrite_own_${Date.now()}`;
    const { service } = newService({
      connectionString: `${POSTGRES_URL}?application_name=${applicationName}`,
    });
    await service.createSession({ appName: 'a', userId: 'u' });
    const backends = () =>
      adminQuery('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    expect((await backends()).length).toBeGreaterThan(0);
    await service.close();
    await expect.poll(async () => (await backends()).length, { timeout: 5_000 }).toBe(0);
  });
});

describe('connection failures', () => {
  it('is unavailable (503), names host:port, never the password, and keeps the cause', async () => {
    const port = await closedPort();
    const password = 'Sup3r-Secret-Pw';
    const service = new PostgresSessionService({
      connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/test`,
      schema: randomSchema(),
    });
    const unavailable = async (call: Promise<unknown>): Promise<FerriteError> => {
      const error = await call.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(FerriteError.isInstance(error) && error.code, String(error)).toBe('unavailable');
      return error as FerriteError;
    };
    try {
      const error = await unavailable(service.createSession({ appName: 'a', userId: 'u' }));
      expect(error.message).toContain(`127.0.0.1:${port}`);
      expect(error.message).not.toContain(password);
      expect(JSON.stringify(error)).not.toContain(password);
      expect(error.cause).toBeDefined();
      // Still failing cleanly on the next call (the migration is retried, not cached).
      const again = await unavailable(
        service.getSession({ appName: 'a', userId: 'u', sessionId: 's' }),
      );
      expect(again.message).not.toContain(password);
    } finally {
      await service.close();
    }
  });

  it('reports a connection string that is not a URL as invalid_argument, without the password', async () => {
    const service = new PostgresSessionService({
      // An unencoded '#' ends the URL early: a common way to break a connection string.
      connectionString: 'postgres://postgres:pa#ss@127.0.0.1:5432/test',
      schema: randomSchema(),
    });
    try {
      const error = await expectFerriteError(
        service.getSession({ appName: 'a', userId: 'u', sessionId: 's' }),
        InvalidArgumentError,
      );
      expect(error.message).toContain('getSession (automatic migration)');
      expect(error.message).not.toContain('pa#ss');
      expect(error.cause).toBeDefined();
    } finally {
      await service.close();
    }
  });

  it('survives idle connections dropped by the server, in its own pool and in a given one', async () => {
    const applicationName = `ferrite_drop_${Date.now()}`;
    const url = `${POSTGRES_URL}?application_name=${applicationName}`;
    const { service: owned, schema } = newService({ connectionString: url });
    const givenPool = new pg.Pool({ connectionString: url });
    const given = new PostgresSessionService({ pool: givenPool, schema });
    try {
      const appName = randomAppName();
      await owned.createSession({ appName, userId: 'u', sessionId: 's' });
      await Promise.all([
        given.getSession({ appName, userId: 'u', sessionId: 's' }),
        given.getSession({ appName, userId: 'u', sessionId: 's' }),
      ]);
      const killed = await adminQuery(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      expect(killed.length).toBeGreaterThanOrEqual(2);
      // Both pools notice the drop; an unhandled 'error' would crash the worker here.
      await expect.poll(() => givenPool.idleCount, { timeout: 5_000 }).toBe(0);
      expect((await owned.getSession({ appName, userId: 'u', sessionId: 's' }))?.id).toBe('s');
      expect((await given.getSession({ appName, userId: 'u', sessionId: 's' }))?.id).toBe('s');
    } finally {
      await given.close();
      await givenPool.end();
    }
  });
});

describe('driver errors', () => {
  const { service } = newService();

  it('turns the unique violation of a duplicate create into SessionExistsError with the cause', async () => {
    const appName = randomAppName();
    await service.createSession({ appName, userId: 'u', sessionId: 's', state: { 'user:a': 1 } });
    const error = await expectFerriteError(
      service.createSession({ appName, userId: 'u', sessionId: 's', state: { 'user:a': 2 } }),
      SessionExistsError,
    );
    expect((error.cause as { code?: string }).code).toBe('23505');
    // The failed statement merged nothing into the user tier.
    expect((await service.getSession({ appName, userId: 'u', sessionId: 's' }))?.state).toEqual({
      'user:a': 1,
    });
  });
});

describe('bad input', () => {
  const { service } = newService();
  const appName = randomAppName();
  const event = (init: Parameters<typeof createEvent>[0] = {}): Event =>
    createEvent({ author: 'user', invocationId: 'inv', ...init });
  const storedRows = async (schemaApp: string) =>
    (await service.listSessions({ appName: schemaApp, limit: 1000 })).sessions.length;

  it.each([`a'b`, 'a"b', '50%', 'a_%', 'ü', '😀', "x'; DROP TABLE sessions; --", 'a\u0000b'])(
    'rejects the name %j everywhere with InvalidArgumentError and writes nothing',
    async (bad) => {
      const session = await service.createSession({ appName, userId: 'u1' });
      await expectFerriteError(
        service.createSession({ appName: bad, userId: 'u1' }),
        InvalidArgumentError,
      );
      await expectFerriteError(
        service.createSession({ appName, userId: bad }),
        InvalidArgumentError,
      );
      await expectFerriteError(
        service.createSession({ appName, userId: 'u1', sessionId: bad }),
        InvalidArgumentError,
      );
      await expectFerriteError(
        service.getSession({ appName, userId: 'u1', sessionId: bad }),
        InvalidArgumentError,
      );
      await expectFerriteError(
        service.listSessions({ appName, userId: bad }),
        InvalidArgumentError,
      );
      await expectFerriteError(
        service.deleteSession({ appName, userId: bad, sessionId: session.id }),
        InvalidArgumentError,
      );
      await expectFerriteError(
        service.appendEvent({ session: { ...session, id: bad }, event: event() }),
        InvalidArgumentError,
      );
      expect(await service.getSession({ appName, userId: 'u1', sessionId: session.id })).toEqual(
        session,
      );
      await service.deleteSession({ appName, userId: 'u1', sessionId: session.id });
      expect(await storedRows(appName)).toBe(0);
    },
  );

  it('round-trips 1 MB state values in every tier and in events', async () => {
    const appName = randomAppName();
    const big = 'x'.repeat(1024 * 1024);
    const nested = { list: Array.from({ length: 1000 }, (_, i) => ({ i, text: 'é😀"\\\n' })) };
    const session = await service.createSession({
      appName,
      userId: 'big',
      state: { own: big, 'app:big': big },
    });
    const stored = await service.appendEvent({
      session,
      event: event({ actions: { stateDelta: { 'user:big': big, nested } } }),
    });
    const read = await service.getSession({ appName, userId: 'big', sessionId: session.id });
    expect(read?.state).toEqual({ own: big, 'app:big': big, 'user:big': big, nested });
    expect(read?.events).toEqual([stored]);
    expect(session.state).toEqual(read?.state);
    await service.deleteSession({ appName, userId: 'big', sessionId: session.id });
  });

  it('rejects a circular event or state with InvalidArgumentError and writes nothing', async () => {
    const appName = randomAppName();
    const session = await service.createSession({ appName, userId: 'cycle', sessionId: 's' });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const before = structuredClone(session);
    await expectFerriteError(
      service.appendEvent({
        session,
        event: event({ actions: { stateDelta: { 'user:l': loop } } }),
      }),
      InvalidArgumentError,
    );
    await expectFerriteError(
      service.appendEvent({
        session,
        event: event({ content: { role: 'user', parts: [{ text: 'x', loop } as never] } }),
      }),
      InvalidArgumentError,
    );
    await expectFerriteError(
      service.createSession({ appName, userId: 'cycle', sessionId: 's2', state: { loop } }),
      InvalidArgumentError,
    );
    expect(session).toEqual(before);
    expect(await service.getSession({ appName, userId: 'cycle', sessionId: 's' })).toEqual(before);
    expect(await service.getSession({ appName, userId: 'cycle', sessionId: 's2' })).toBeUndefined();
  });

  it('rejects text PostgreSQL cannot store (NUL) with InvalidArgumentError and writes nothing', async () => {
    const appName = randomAppName();
    const session = await service.createSession({ appName, userId: 'nul', sessionId: 's' });
    const before = structuredClone(session);
    await expectFerriteError(
      service.appendEvent({
        session,
        event: event({ content: userContent('a\u0000b'), actions: { stateDelta: { 'app:n': 1 } } }),
      }),
      InvalidArgumentError,
    );
    expect(session).toEqual(before);
    const read = await service.getSession({ appName, userId: 'nul', sessionId: 's' });
    expect(read?.events).toEqual([]);
    expect(read?.state).toEqual({});
  });

  it('rejects cursors that decode to something else', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [forged([1, 'a b', 'u']), forged(['1', 'a', 'u']), forged([1, 'a']), '']) {
      await expectFerriteError(service.listSessions({ appName, cursor }), InvalidArgumentError);
    }
  });
});

describe('reads', () => {
  const { service, schema } = newService();
  const appName = randomAppName();

  it('pages many sessions with tied update times, keyset by (lastUpdateTime, id, user)', async () => {
    for (let i = 0; i < 60; i++) {
      const session = await service.createSession({
        appName,
        userId: `u${i % 3}`,
        sessionId: `s${i % 20}`,
      });
      await service.appendEvent({
        session,
        event: createEvent({ author: 'user', timestamp: 1_000 + (i % 4) }),
      });
    }
    const whole = await service.listSessions({ appName, limit: 1000 });
    const keys = whole.sessions.map((s) => [s.lastUpdateTime, s.id, s.userId] as const);
    const sorted = [...keys].sort(
      (a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : 1),
    );
    expect(keys).toEqual(sorted);
    for (const userId of [undefined, 'u1']) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.listSessions({ appName, userId, limit: 7, cursor });
        seen.push(...page.sessions.map((s) => `${s.userId}/${s.id}`));
        cursor = page.nextCursor;
      } while (cursor);
      const expected = whole.sessions
        .filter((s) => userId === undefined || s.userId === userId)
        .map((s) => `${s.userId}/${s.id}`);
      expect(seen).toEqual(expected);
    }
  });

  it('reads only the newest n event rows, through the index, on a long session', async () => {
    const session = await service.createSession({ appName, userId: 'long', sessionId: 'long' });
    await adminQuery(
      `INSERT INTO "${schema}".events (app_name, user_id, session_id, seq, id, event_time, event)
       SELECT $1, 'long', 'long', n, 'e' || n, n, jsonb_build_object('id', 'e' || n, 'timestamp', n)
       FROM generate_series(1, 3000) AS n`,
      [appName],
    );
    await adminQuery(`UPDATE "${schema}".sessions SET revision = 3000 WHERE user_id = 'long'`);
    await adminQuery(`ANALYZE "${schema}".events`);
    const read = await service.getSession({ ...key(session), numRecentEvents: 20 });
    expect(read?.events.map((e) => e.timestamp)).toEqual(
      Array.from({ length: 20 }, (_, i) => 2981 + i),
    );
    const queries = new SessionQueries(new TableNames(schema, ''));
    const db = new Kysely<Record<string, never>>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL }) }),
    });
    try {
      for (const filter of [{ numRecentEvents: 20 }, { afterTimestamp: 2990 }]) {
        const compiled = queries.get(key(session), filter).compile(db);
        const plan = await adminQuery<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${compiled.sql}`,
          [...compiled.parameters],
        );
        const rowsRead = maxRowsOf(plan[0]?.['QUERY PLAN'], 'events', schema);
        expect(rowsRead).toBeGreaterThan(0);
        expect(rowsRead).toBeLessThanOrEqual(20);
      }
    } finally {
      await db.destroy();
    }
  });

  it('pages by keyset: a later page reads only its own rows of sessions, with no OFFSET', async () => {
    const app = randomAppName();
    await adminQuery(
      `INSERT INTO "${schema}".sessions (app_name, user_id, id, state, revision, create_time, update_time)
       SELECT $1, 'u' || (n % 7), 's' || n, '{}'::jsonb, 0, n, n FROM generate_series(1, 5000) AS n`,
      [app],
    );
    await adminQuery(`ANALYZE "${schema}".sessions`);
    let cursor: string | undefined;
    const seen: string[] = [];
    for (let page = 0; page < 20; page++) {
      const result = await service.listSessions({ appName: app, limit: 10, cursor });
      seen.push(...result.sessions.map((s) => s.id));
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => `s${5000 - i}`));
    const queries = new SessionQueries(new TableNames(schema, ''));
    const db = new Kysely<Record<string, never>>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL }) }),
    });
    try {
      for (const userId of [undefined, 'u3']) {
        // The service asks for one row more than the page, to know whether another page follows.
        const compiled = queries.list(app, userId, decodeSessionCursor(cursor), 11).compile(db);
        expect(compiled.sql).not.toMatch(/OFFSET/i);
        const plan = await adminQuery<{ 'QUERY PLAN': unknown }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) ${compiled.sql}`,
          [...compiled.parameters],
        );
        const rowsRead = maxRowsOf(plan[0]?.['QUERY PLAN'], 'sessions', schema);
        expect(rowsRead).toBeGreaterThan(0);
        expect(rowsRead).toBeLessThanOrEqual(11);
      }
    } finally {
      await db.destroy();
    }
  });

  const key = (s: { appName: string; userId: string; id: string }) => ({
    appName: s.appName,
    userId: s.userId,
    sessionId: s.id,
  });
});

/** The most rows any plan node scanning `table` produced. */
function maxRowsOf(plan: unknown, table: string, schema: string): number {
  let max = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (
      record['Relation Name'] === table &&
      (record.Schema === undefined || record.Schema === schema)
    ) {
      max = Math.max(max, Number(record['Actual Rows'] ?? 0) * Number(record['Actual Loops'] ?? 1));
    }
    for (const value of Object.values(record)) visit(value);
  };
  visit(plan);
  return max;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}
