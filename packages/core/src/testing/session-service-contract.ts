import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { SessionExistsError } from '../errors/session-exists-error.js';
import { SessionNotFoundError } from '../errors/session-not-found-error.js';
import { StaleSessionError } from '../errors/stale-session-error.js';
import type { SessionService } from '../services/session-service.js';
import { userContent } from '../types/content.js';
import { createEvent, type Event, type EventInit } from '../types/event.js';
import type { Session } from '../types/session.js';
import type { ContractFactory } from './contract-factory.js';
import { expectFerriteError, randomAppName } from './expect-ferrite-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INVALID_NAMES = ['', '.', '..', 'a/b', 'a b', 'x'.repeat(129), 'é'];

/**
 * The behaviour every {@link SessionService} must show (SPEC §3 and §12), as a vitest suite.
 * Each test uses its own random app name, so the factory may hand out one shared store.
 *
 * @example
 * ```ts
 * sessionServiceContract('InMemorySessionService', { create: () => new InMemorySessionService() });
 * ```
 */
export function sessionServiceContract(
  name: string,
  factory: ContractFactory<SessionService>,
): void {
  describe(`SessionService contract: ${name}`, () => {
    let service: SessionService;
    let appName: string;

    beforeEach(async () => {
      service = await factory.create();
      appName = randomAppName();
    });
    afterEach(async () => {
      await factory.dispose?.(service);
    });

    const create = (userId = 'u1', sessionId?: string, state?: Record<string, unknown>) =>
      service.createSession({ appName, userId, sessionId, state });
    const get = (userId: string, sessionId: string, extra: object = {}) =>
      service.getSession({ appName, userId, sessionId, ...extra });
    const event = (init: EventInit = {}): Event =>
      createEvent({
        author: 'user',
        invocationId: 'inv-1',
        content: userContent('hello'),
        ...init,
      });
    const append = (session: Session, init: EventInit = {}) =>
      service.appendEvent({ session, event: event(init) });

    describe('createSession', () => {
      it('creates a session with the given id, no events and the initial state', async () => {
        const session = await create('u1', 's1', { count: 1, nested: { list: [1, 'two', null] } });
        expect(session).toMatchObject({ id: 's1', appName, userId: 'u1', events: [] });
        expect(session.state).toEqual({ count: 1, nested: { list: [1, 'two', null] } });
        expect(typeof session.revision).toBe('number');
        expect(typeof session.lastUpdateTime).toBe('number');
        const read = await get('u1', 's1');
        expect(read).toMatchObject({ id: 's1', appName, userId: 'u1', events: [] });
        expect(read?.state).toEqual(session.state);
        expect(read?.revision).toBe(session.revision);
      });

      it('gives a session without an id a fresh UUID', async () => {
        const first = await create('u1');
        const second = await create('u1');
        expect(first.id).toMatch(UUID);
        expect(second.id).toMatch(UUID);
        expect(first.id).not.toBe(second.id);
        expect((await get('u1', first.id))?.id).toBe(first.id);
      });

      it('rejects an existing id with SessionExistsError and keeps the original', async () => {
        await create('u1', 's1', { v: 'original' });
        await expectFerriteError(create('u1', 's1', { v: 'second' }), SessionExistsError);
        expect((await get('u1', 's1'))?.state).toEqual({ v: 'original' });
      });

      it('sends app: and user: keys to their tiers and drops temp: keys', async () => {
        const first = await create('u1', 's1', {
          'app:theme': 'dark',
          'user:name': 'Ana',
          'temp:scratch': 1,
          own: true,
        });
        expect(first.state).toEqual({ 'app:theme': 'dark', 'user:name': 'Ana', own: true });
        const sameUser = await create('u1', 's2');
        expect(sameUser.state).toEqual({ 'app:theme': 'dark', 'user:name': 'Ana' });
        const otherUser = await create('u2', 's3');
        expect(otherUser.state).toEqual({ 'app:theme': 'dark' });
      });

      it('overwrites an app: or user: key per key when a later session sets it', async () => {
        await create('u1', 's1', { 'app:theme': 'dark', 'app:lang': 'en', 'user:name': 'Ana' });
        await create('u1', 's2', { 'app:theme': 'light', 'user:name': 'Bea' });
        expect((await get('u1', 's1'))?.state).toEqual({
          'app:theme': 'light',
          'app:lang': 'en',
          'user:name': 'Bea',
        });
      });

      it('copies the initial state: changing the passed object later changes nothing stored', async () => {
        const state = { nested: { n: 1 } };
        const session = await create('u1', 's1', state);
        state.nested.n = 2;
        session.state.added = true;
        (session.state.nested as { n: number }).n = 3;
        expect((await get('u1', 's1'))?.state).toEqual({ nested: { n: 1 } });
      });

      it('keeps the same session id apart under two users and under two apps', async () => {
        await create('u1', 'shared', { owner: 'u1' });
        await create('u2', 'shared', { owner: 'u2' });
        const otherApp = randomAppName();
        await service.createSession({
          appName: otherApp,
          userId: 'u1',
          sessionId: 'shared',
          state: { owner: 'other-app' },
        });
        const u1 = (await get('u1', 'shared'))!;
        await append(u1, { content: userContent('only in u1') });
        expect((await get('u1', 'shared'))?.state).toEqual({ owner: 'u1' });
        expect((await get('u2', 'shared'))?.state).toEqual({ owner: 'u2' });
        expect((await get('u2', 'shared'))?.events).toEqual([]);
        const other = await service.getSession({
          appName: otherApp,
          userId: 'u1',
          sessionId: 'shared',
        });
        expect(other?.state).toEqual({ owner: 'other-app' });
        expect(other?.events).toEqual([]);
      });

      it('accepts names of 128 characters made of letters, digits and ._:-', async () => {
        const longId = `a.b_c:d-E9${'x'.repeat(118)}`;
        expect(longId).toHaveLength(128);
        const session = await create('user.name_1:x-y', longId);
        expect(session.id).toBe(longId);
        expect((await get('user.name_1:x-y', longId))?.id).toBe(longId);
      });
    });

    describe('getSession', () => {
      it('returns undefined for a missing session, also under another user or app', async () => {
        await create('u1', 's1');
        expect(await get('u1', 'missing')).toBeUndefined();
        expect(await get('u2', 's1')).toBeUndefined();
        expect(
          await service.getSession({ appName: randomAppName(), userId: 'u1', sessionId: 's1' }),
        ).toBeUndefined();
      });

      it('returns the stored events oldest first, content intact', async () => {
        const session = await create('u1', 's1');
        const sent: Event[] = [];
        sent.push(await append(session, { timestamp: 1_000, content: userContent('first') }));
        sent.push(
          await append(session, {
            author: 'assistant',
            timestamp: 2_000,
            content: {
              role: 'model',
              parts: [
                { functionCall: { id: 'c1', name: 'lookup', args: { q: 'x', n: [1, 2] } } },
                { inlineData: { mimeType: 'image/png', data: 'iVBORw0K' } },
              ],
            },
            turnComplete: true,
            customMetadata: { source: 'test', nested: { ok: true } },
            usage: { inputTokens: 3, outputTokens: 5 },
            actions: { stateDelta: { k: 'v' }, artifactDelta: { 'a.txt': 0 }, escalate: true },
          }),
        );
        sent.push(await append(session, { timestamp: 3_000, content: userContent('third') }));
        const read = await get('u1', 's1');
        expect(read?.events).toEqual(sent);
      });

      it('keeps the newest n events with numRecentEvents, and none for 0', async () => {
        const session = await create('u1', 's1');
        for (let i = 0; i < 5; i++) {
          await append(session, { timestamp: 1_000 + i, content: userContent(`m${i}`) });
        }
        const texts = (s: Session | undefined) => s?.events.map((e) => e.content?.parts[0]?.text);
        expect(texts(await get('u1', 's1', { numRecentEvents: 2 }))).toEqual(['m3', 'm4']);
        expect(texts(await get('u1', 's1', { numRecentEvents: 0 }))).toEqual([]);
        expect(texts(await get('u1', 's1', { numRecentEvents: 50 }))).toHaveLength(5);
        expect(texts(await get('u1', 's1'))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      });

      it('keeps events with timestamp >= afterTimestamp (inclusive)', async () => {
        const session = await create('u1', 's1');
        for (const timestamp of [100, 200, 300, 400]) {
          await append(session, { timestamp, content: userContent(`at ${timestamp}`) });
        }
        const stamps = async (afterTimestamp: number) =>
          (await get('u1', 's1', { afterTimestamp }))?.events.map((e) => e.timestamp);
        expect(await stamps(200)).toEqual([200, 300, 400]);
        expect(await stamps(201)).toEqual([300, 400]);
        expect(await stamps(401)).toEqual([]);
        expect(await stamps(0)).toEqual([100, 200, 300, 400]);
      });

      it('shows the current app and user tiers on every read, not a stale copy', async () => {
        const first = await create('u1', 's1');
        const earlier = await get('u1', 's1');
        expect(earlier?.state).toEqual({});
        const second = await create('u1', 's2');
        await append(second, { actions: { stateDelta: { 'user:x': 1, 'app:y': 2 } } });
        expect((await get('u1', 's1'))?.state).toEqual({ 'user:x': 1, 'app:y': 2 });
        const third = await create('u2', 's3');
        await append(third, { actions: { stateDelta: { 'app:y': 3, 'user:x': 'u2 only' } } });
        expect((await get('u1', 's1'))?.state).toEqual({ 'user:x': 1, 'app:y': 3 });
        // The session object from createSession is a snapshot; it still appends fine.
        await append(first, { actions: { stateDelta: { own: 'yes' } } });
        expect((await get('u1', 's1'))?.state).toEqual({ 'user:x': 1, 'app:y': 3, own: 'yes' });
      });

      it('returns copies: mutating the session, its state or its events changes nothing stored', async () => {
        const session = await create('u1', 's1', { nested: { n: 1 }, 'user:u': { m: 1 } });
        await append(session, { content: userContent('kept') });
        const read = (await get('u1', 's1'))!;
        read.state.extra = 1;
        (read.state.nested as { n: number }).n = 99;
        (read.state['user:u'] as { m: number }).m = 99;
        read.revision += 10;
        read.lastUpdateTime = 1;
        const events = read.events;
        events.push(event({ content: userContent('pushed') }));
        try {
          (events[0]!.content!.parts[0] as { text: string }).text = 'changed';
        } catch {
          // A store may hand out frozen events; changing them then throws, which is fine.
        }
        const again = (await get('u1', 's1'))!;
        expect(again.state).toEqual({ nested: { n: 1 }, 'user:u': { m: 1 } });
        expect(again.events.map((e) => e.content?.parts[0]?.text)).toEqual(['kept']);
        expect(again.revision).toBe(session.revision);
        expect(again.lastUpdateTime).toBe(session.lastUpdateTime);
      });

      it('leaves the history whole after a read with numRecentEvents', async () => {
        const session = await create('u1', 's1');
        for (let i = 0; i < 4; i++) await append(session, { timestamp: 10 + i });
        const partial = (await get('u1', 's1', { numRecentEvents: 1 }))!;
        expect(partial.events).toHaveLength(1);
        await append(partial, { timestamp: 20 });
        expect((await get('u1', 's1'))?.events.map((e) => e.timestamp)).toEqual([
          10, 11, 12, 13, 20,
        ]);
      });

      it('rejects a negative or fractional numRecentEvents with InvalidArgumentError', async () => {
        await create('u1', 's1');
        await expectFerriteError(get('u1', 's1', { numRecentEvents: -1 }), InvalidArgumentError);
        await expectFerriteError(get('u1', 's1', { numRecentEvents: 1.5 }), InvalidArgumentError);
      });
    });

    describe('listSessions', () => {
      it('lists sessions without events and with merged state', async () => {
        const session = await create('u1', 's1', { own: 1, 'user:u': 2, 'app:a': 3 });
        await append(session, { timestamp: 5_000 });
        const { sessions } = await service.listSessions({ appName, userId: 'u1' });
        expect(sessions).toHaveLength(1);
        expect(sessions[0]).toMatchObject({
          id: 's1',
          appName,
          userId: 'u1',
          events: [],
          state: { own: 1, 'user:u': 2, 'app:a': 3 },
          lastUpdateTime: 5_000,
          revision: session.revision,
        });
      });

      it('orders by lastUpdateTime, newest first, then by id', async () => {
        const stamps: Record<string, number> = { a: 300, b: 100, c: 300, d: 200, e: 400 };
        for (const [id, timestamp] of Object.entries(stamps)) {
          await append(await create('u1', id), { timestamp });
        }
        const { sessions } = await service.listSessions({ appName, userId: 'u1' });
        expect(sessions.map((s) => s.id)).toEqual(['e', 'a', 'c', 'd', 'b']);
      });

      it('pages with a cursor through every session exactly once, in order', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) {
          const session = await create(i % 2 === 0 ? 'u1' : 'u2', `s${i}`);
          await append(session, { timestamp: 1_000 + (i % 3) });
          ids.push(session.id);
        }
        const whole = await service.listSessions({ appName });
        expect(whole.nextCursor).toBeUndefined();
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await service.listSessions({ appName, limit: 3, cursor });
          expect(page.sessions.length).toBeLessThanOrEqual(3);
          seen.push(...page.sessions.map((s) => `${s.userId}/${s.id}`));
          cursor = page.nextCursor;
          pages++;
          expect(pages).toBeLessThan(10);
        } while (cursor !== undefined);
        expect(pages).toBeGreaterThanOrEqual(3);
        expect(seen).toEqual(whole.sessions.map((s) => `${s.userId}/${s.id}`));
        expect(new Set(seen).size).toBe(7);
      });

      it('lists every user without userId, and one user with it', async () => {
        await create('u1', 's1');
        await create('u2', 's2');
        await create('u2', 's3');
        const all = await service.listSessions({ appName });
        expect(all.sessions.map((s) => `${s.userId}/${s.id}`).sort()).toEqual([
          'u1/s1',
          'u2/s2',
          'u2/s3',
        ]);
        const u2 = await service.listSessions({ appName, userId: 'u2' });
        expect(u2.sessions.map((s) => s.id).sort()).toEqual(['s2', 's3']);
        const none = await service.listSessions({ appName, userId: 'nobody' });
        expect(none).toEqual({ sessions: [] });
      });

      it('returns at most 100 sessions by default', async () => {
        await Promise.all(Array.from({ length: 101 }, (_, i) => create('u1', `s${i}`)));
        const page = await service.listSessions({ appName, userId: 'u1' });
        expect(page.sessions).toHaveLength(100);
        expect(page.nextCursor).toBeDefined();
        const rest = await service.listSessions({ appName, userId: 'u1', cursor: page.nextCursor });
        expect(rest.sessions).toHaveLength(1);
      });

      it('accepts limit 1 to 1000 and rejects others with InvalidArgumentError', async () => {
        await create('u1', 's1');
        await create('u1', 's2');
        expect((await service.listSessions({ appName, limit: 1 })).sessions).toHaveLength(1);
        expect((await service.listSessions({ appName, limit: 1000 })).sessions).toHaveLength(2);
        for (const limit of [0, -1, 1001, 2.5]) {
          await expectFerriteError(service.listSessions({ appName, limit }), InvalidArgumentError);
        }
      });

      it('rejects a malformed cursor with InvalidArgumentError', async () => {
        await create('u1', 's1');
        for (const cursor of ['not a cursor', '%%%', 'eyJ4IjoxfQ']) {
          await expectFerriteError(service.listSessions({ appName, cursor }), InvalidArgumentError);
        }
      });

      it('returns copies: mutating a listed session changes nothing stored', async () => {
        await create('u1', 's1', { nested: { n: 1 }, 'app:a': { m: 1 } });
        const { sessions } = await service.listSessions({ appName });
        (sessions[0]!.state.nested as { n: number }).n = 2;
        (sessions[0]!.state['app:a'] as { m: number }).m = 2;
        sessions[0]!.events.push(event());
        expect((await get('u1', 's1'))?.state).toEqual({ nested: { n: 1 }, 'app:a': { m: 1 } });
        expect((await get('u1', 's1'))?.events).toEqual([]);
      });
    });

    describe('deleteSession', () => {
      it('removes the session and its events, and is idempotent', async () => {
        const session = await create('u1', 's1');
        await append(session);
        await service.deleteSession({ appName, userId: 'u1', sessionId: 's1' });
        expect(await get('u1', 's1')).toBeUndefined();
        expect((await service.listSessions({ appName })).sessions).toEqual([]);
        await service.deleteSession({ appName, userId: 'u1', sessionId: 's1' });
        await service.deleteSession({ appName, userId: 'u1', sessionId: 'never-existed' });
      });

      it('keeps the app and user tiers', async () => {
        const session = await create('u1', 's1', { 'app:a': 1, 'user:u': 2, own: 3 });
        await append(session, { actions: { stateDelta: { 'user:v': 4 } } });
        await service.deleteSession({ appName, userId: 'u1', sessionId: 's1' });
        expect((await create('u1', 's2')).state).toEqual({ 'app:a': 1, 'user:u': 2, 'user:v': 4 });
        expect((await create('u2', 's3')).state).toEqual({ 'app:a': 1 });
      });

      it('lets a deleted id be created again, empty', async () => {
        const session = await create('u1', 's1', { own: 1 });
        await append(session);
        await service.deleteSession({ appName, userId: 'u1', sessionId: 's1' });
        const again = await create('u1', 's1');
        expect(again.state).toEqual({});
        expect((await get('u1', 's1'))?.events).toEqual([]);
      });

      it('deletes only the named session', async () => {
        await create('u1', 's1');
        await create('u2', 's1');
        await create('u1', 's2');
        await service.deleteSession({ appName, userId: 'u1', sessionId: 's1' });
        expect(await get('u2', 's1')).toBeDefined();
        expect(await get('u1', 's2')).toBeDefined();
      });
    });

    describe('appendEvent', () => {
      it('returns the stored frozen event, the same object pushed onto session.events', async () => {
        const session = await create('u1', 's1');
        const input = event({ timestamp: 1_234, actions: { stateDelta: { a: 1 } } });
        const stored = await service.appendEvent({ session, event: input });
        expect(stored).toEqual(input);
        expect(Object.isFrozen(stored)).toBe(true);
        expect(Object.isFrozen(stored.actions.stateDelta)).toBe(true);
        expect(session.events).toHaveLength(1);
        expect(session.events[0]).toBe(stored);
      });

      it("never mutates the caller's event", async () => {
        const session = await create('u1', 's1');
        const input = event({
          actions: { stateDelta: { keep: 1, 'temp:t': 2, 'user:u': 3 } },
        });
        const snapshot = structuredClone(input);
        await service.appendEvent({ session, event: input });
        expect(input).toEqual(snapshot);
        expect(Object.isFrozen(input)).toBe(false);
        expect(Object.isFrozen(input.actions.stateDelta)).toBe(false);
      });

      it('increments the revision and sets lastUpdateTime to the event timestamp', async () => {
        const session = await create('u1', 's1');
        const start = session.revision;
        await append(session, { timestamp: 5_000 });
        expect(session.revision).toBe(start + 1);
        expect(session.lastUpdateTime).toBe(5_000);
        // An older timestamp is accepted and still becomes lastUpdateTime.
        await append(session, { timestamp: 4_000 });
        expect(session.revision).toBe(start + 2);
        expect(session.lastUpdateTime).toBe(4_000);
        const read = await get('u1', 's1');
        expect(read?.revision).toBe(start + 2);
        expect(read?.lastUpdateTime).toBe(4_000);
        expect(read?.events.map((e) => e.timestamp)).toEqual([5_000, 4_000]);
      });

      it('applies the state delta to the session, user and app tiers', async () => {
        const session = await create('u1', 's1');
        const sibling = await create('u1', 's2');
        const stranger = await create('u2', 's3');
        await append(session, {
          actions: { stateDelta: { own: 1, 'user:u': 2, 'app:a': 3, nested: { list: [1] } } },
        });
        expect(session.state).toEqual({ own: 1, 'user:u': 2, 'app:a': 3, nested: { list: [1] } });
        expect((await get('u1', 's1'))?.state).toEqual(session.state);
        expect((await get('u1', sibling.id))?.state).toEqual({ 'user:u': 2, 'app:a': 3 });
        expect((await get('u2', stranger.id))?.state).toEqual({ 'app:a': 3 });
        await append(session, { actions: { stateDelta: { own: 'replaced' } } });
        expect((await get('u1', 's1'))?.state).toMatchObject({ own: 'replaced', 'user:u': 2 });
      });

      it('never stores temp: keys, but shows them on the session passed in', async () => {
        const session = await create('u1', 's1');
        const stored = await append(session, {
          actions: { stateDelta: { 'temp:scratch': 'x', kept: 1 } },
        });
        expect(stored.actions.stateDelta).toEqual({ kept: 1 });
        expect(session.state).toEqual({ 'temp:scratch': 'x', kept: 1 });
        const read = await get('u1', 's1');
        expect(read?.state).toEqual({ kept: 1 });
        expect(read?.events[0]?.actions.stateDelta).toEqual({ kept: 1 });
      });

      it('returns a partial event unchanged and stores nothing', async () => {
        const session = await create('u1', 's1');
        const revision = session.revision;
        const partial = event({ partial: true, actions: { stateDelta: { p: 1 } } });
        const snapshot = structuredClone(partial);
        const returned = await service.appendEvent({ session, event: partial });
        expect(returned).toEqual(snapshot);
        expect(session.revision).toBe(revision);
        expect(session.events).toEqual([]);
        const read = await get('u1', 's1');
        expect(read?.events).toEqual([]);
        expect(read?.state).toEqual({});
        expect(read?.revision).toBe(revision);
      });

      it('rejects an outdated revision with StaleSessionError, writing nothing', async () => {
        await create('u1', 's1', { v: 0 });
        const fresh = (await get('u1', 's1'))!;
        const stale = (await get('u1', 's1'))!;
        await append(fresh, { actions: { stateDelta: { v: 1 } } });
        const before = structuredClone(stale);
        await expectFerriteError(
          append(stale, { actions: { stateDelta: { v: 2, 'user:u': 2, 'app:a': 2 } } }),
          StaleSessionError,
        );
        expect(stale).toEqual(before);
        const read = await get('u1', 's1');
        expect(read?.events).toHaveLength(1);
        expect(read?.state).toEqual({ v: 1 });
        expect(read?.revision).toBe(fresh.revision);
      });

      it('lets exactly one of two appends racing on the same revision succeed', async () => {
        await create('u1', 's1');
        const a = (await get('u1', 's1'))!;
        const b = (await get('u1', 's1'))!;
        const results = await Promise.allSettled([
          append(a, { content: userContent('from a') }),
          append(b, { content: userContent('from b') }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected');
        expect(StaleSessionError.isInstance(rejected?.reason)).toBe(true);
        expect((await get('u1', 's1'))?.events).toHaveLength(1);
      });

      it('rejects an event id the session already holds with InvalidArgumentError', async () => {
        const session = await create('u1', 's1');
        const first = await append(session, { id: 'e1', actions: { stateDelta: { v: 1 } } });
        const before = structuredClone(session);
        await expectFerriteError(
          append(session, { id: 'e1', actions: { stateDelta: { v: 2, 'user:u': 1 } } }),
          InvalidArgumentError,
        );
        expect(session).toEqual(before);
        const read = await get('u1', 's1');
        expect(read?.events).toEqual([first]);
        expect(read?.state).toEqual({ v: 1 });
        // The same event id in another session is fine.
        await append(await create('u1', 's2'), { id: 'e1' });
      });

      it('rejects an append to a deleted or unknown session with SessionNotFoundError', async () => {
        const session = await create('u1', 's1');
        await service.deleteSession({ appName, userId: 'u1', sessionId: 's1' });
        await expectFerriteError(append(session), SessionNotFoundError);
        const ghost: Session = {
          id: 'ghost',
          appName,
          userId: 'u1',
          state: {},
          events: [],
          lastUpdateTime: 0,
          revision: 0,
        };
        await expectFerriteError(append(ghost), SessionNotFoundError);
        expect(await get('u1', 'ghost')).toBeUndefined();
      });

      it('rejects an event that cannot be stored (a cycle) with InvalidArgumentError', async () => {
        const session = await create('u1', 's1');
        const cyclic: Record<string, unknown> = { name: 'loop' };
        cyclic.self = cyclic;
        await expectFerriteError(
          append(session, { customMetadata: cyclic, actions: { stateDelta: { v: 1 } } }),
          InvalidArgumentError,
        );
        const read = await get('u1', 's1');
        expect(read?.events).toEqual([]);
        expect(read?.state).toEqual({});
        expect(read?.revision).toBe(session.revision);
      });

      it('keeps appending through the same session object in order', async () => {
        const session = await create('u1', 's1');
        for (let i = 0; i < 6; i++) {
          await append(session, { content: userContent(`m${i}`), actions: { stateDelta: { i } } });
        }
        const read = (await get('u1', 's1'))!;
        expect(read.events.map((e) => e.content?.parts[0]?.text)).toEqual([
          'm0',
          'm1',
          'm2',
          'm3',
          'm4',
          'm5',
        ]);
        expect(read.state).toEqual({ i: 5 });
        expect(read.events).toEqual(session.events);
      });
    });

    describe('name validation', () => {
      it.each(INVALID_NAMES)(
        'createSession rejects %j in every name with InvalidArgumentError',
        async (bad) => {
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
          expect((await service.listSessions({ appName })).sessions).toEqual([]);
        },
      );

      it.each(INVALID_NAMES)(
        'getSession rejects %j instead of reading it as missing',
        async (bad) => {
          await expectFerriteError(
            service.getSession({ appName: bad, userId: 'u1', sessionId: 's1' }),
            InvalidArgumentError,
          );
          await expectFerriteError(
            service.getSession({ appName, userId: bad, sessionId: 's1' }),
            InvalidArgumentError,
          );
          await expectFerriteError(
            service.getSession({ appName, userId: 'u1', sessionId: bad }),
            InvalidArgumentError,
          );
        },
      );

      it('listSessions rejects an invalid app name or user id', async () => {
        for (const bad of INVALID_NAMES) {
          await expectFerriteError(service.listSessions({ appName: bad }), InvalidArgumentError);
          await expectFerriteError(
            service.listSessions({ appName, userId: bad }),
            InvalidArgumentError,
          );
        }
      });

      it('deleteSession rejects invalid names and deletes nothing', async () => {
        await create('u1', 's1');
        for (const bad of INVALID_NAMES) {
          await expectFerriteError(
            service.deleteSession({ appName: bad, userId: 'u1', sessionId: 's1' }),
            InvalidArgumentError,
          );
          await expectFerriteError(
            service.deleteSession({ appName, userId: bad, sessionId: 's1' }),
            InvalidArgumentError,
          );
          await expectFerriteError(
            service.deleteSession({ appName, userId: 'u1', sessionId: bad }),
            InvalidArgumentError,
          );
        }
        expect(await get('u1', 's1')).toBeDefined();
      });

      it('appendEvent rejects a session with invalid names', async () => {
        const session = await create('u1', 's1');
        for (const bad of INVALID_NAMES) {
          for (const field of ['appName', 'userId', 'id'] as const) {
            await expectFerriteError(
              service.appendEvent({ session: { ...session, [field]: bad }, event: event() }),
              InvalidArgumentError,
            );
          }
        }
        expect((await get('u1', 's1'))?.events).toEqual([]);
      });
    });
  });
}
