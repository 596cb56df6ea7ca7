import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { createEvent, StaleSessionError, userContent } from '@ferrite/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionService } from './postgres-session-service.js';

/** The embedded setup the README shows: PGlite on disk, the real pg driver through its adapter. */
async function openEmbedded(dataDir: string) {
  const pglite = await PGlite.create(dataDir);
  const pool = new pg.Pool(createPgConfig(pglite));
  const sessions = new PostgresSessionService({ pool });
  return {
    sessions,
    pool,
    async close() {
      await sessions.close();
      await pool.end();
      await pglite.close();
    },
  };
}

// PGlite (PostgreSQL in WASM) takes seconds to start, more on a busy machine.
const PGLITE_TIMEOUT = 120_000;

describe('PostgresSessionService on PGlite', { timeout: PGLITE_TIMEOUT }, () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ferrite-pglite-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps sessions, events and tiers across a reopen from disk', async () => {
    const before = await openEmbedded(dataDir);
    let sessionId: string;
    let stored;
    try {
      const session = await before.sessions.createSession({
        appName: 'app',
        userId: 'u1',
        state: { own: 1, 'user:name': 'Ana', 'app:theme': 'dark' },
      });
      sessionId = session.id;
      stored = await before.sessions.appendEvent({
        session,
        event: createEvent({
          author: 'user',
          timestamp: 1_000,
          content: userContent('remember me'),
          actions: { stateDelta: { 'user:visits': 1, 'temp:x': 1 } },
        }),
      });
    } finally {
      await before.close();
    }

    const after = await openEmbedded(dataDir);
    try {
      expect(await after.sessions.migrate()).toEqual({ applied: [], version: 3 });
      const read = await after.sessions.getSession({ appName: 'app', userId: 'u1', sessionId });
      expect(read?.events).toEqual([stored]);
      expect(read?.state).toEqual({
        own: 1,
        'user:name': 'Ana',
        'user:visits': 1,
        'app:theme': 'dark',
      });
      expect(read?.revision).toBe(1);
      expect(read?.lastUpdateTime).toBe(1_000);
      const listed = await after.sessions.listSessions({ appName: 'app' });
      expect(listed.sessions.map((s) => s.id)).toEqual([sessionId]);
    } finally {
      await after.close();
    }
  });

  describe('in memory', () => {
    let pglite: PGlite;
    beforeAll(async () => {
      pglite = await PGlite.create('memory://');
    }, PGLITE_TIMEOUT);
    afterAll(async () => {
      await pglite.close();
    });

    it('serialises racing appends on its single connection: one wins, one is stale', async () => {
      const pool = new pg.Pool(createPgConfig(pglite));
      const sessions = new PostgresSessionService({ pool, schema: 'race' });
      try {
        const key = { appName: 'app', userId: 'u', sessionId: 's' };
        await sessions.createSession(key);
        const [a, b] = [await sessions.getSession(key), await sessions.getSession(key)];
        const results = await Promise.allSettled([
          sessions.appendEvent({ session: a!, event: createEvent({ author: 'a' }) }),
          sessions.appendEvent({ session: b!, event: createEvent({ author: 'b' }) }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected');
        expect(StaleSessionError.isInstance(rejected?.reason)).toBe(true);
        expect((await sessions.getSession(key))?.events).toHaveLength(1);
      } finally {
        await sessions.close();
        await pool.end();
      }
    });

    it('keeps working after the pool closes its idle connection', async () => {
      const pool = new pg.Pool({ ...createPgConfig(pglite), idleTimeoutMillis: 20 });
      const sessions = new PostgresSessionService({ pool, schema: 'idle' });
      try {
        await sessions.createSession({ appName: 'app', userId: 'u', sessionId: 's' });
        await expect.poll(() => pool.totalCount, { timeout: 5_000 }).toBe(0);
        const read = await sessions.getSession({ appName: 'app', userId: 'u', sessionId: 's' });
        expect(read?.id).toBe('s');
      } finally {
        await sessions.close();
        await pool.end();
      }
    });
  });
});
