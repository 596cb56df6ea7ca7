import { describe, it, expect } from 'vitest';
import {
  createEvent,
  type AppendEventOptions,
  type CreateSessionOptions,
  type DeleteSessionOptions,
  type Event,
  type GetSessionOptions,
  type ListSessionsOptions,
  type ListSessionsResult,
  type Session,
  type SessionService,
} from '@ferrite/core';
import { InMemoryArtifactService } from '@ferrite/artifact';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { echoAgent, message, postJson, readSse, startServer } from '../testing/server-fixtures.js';

/**
 * A second writer on the same store: just before each append the server makes, it appends an
 * event of its own to the same session, so the server's write carries an outdated revision and
 * the real store refuses it with `session.stale`.
 */
class RacingWriterSessionService implements SessionService {
  readonly #store = new InMemorySessionService();
  racing = true;
  interferences = 0;

  createSession(options: CreateSessionOptions): Promise<Session> {
    return this.#store.createSession(options);
  }
  getSession(options: GetSessionOptions): Promise<Session | undefined> {
    return this.#store.getSession(options);
  }
  listSessions(options: ListSessionsOptions): Promise<ListSessionsResult> {
    return this.#store.listSessions(options);
  }
  deleteSession(options: DeleteSessionOptions): Promise<void> {
    return this.#store.deleteSession(options);
  }
  async appendEvent(options: AppendEventOptions): Promise<Event> {
    if (this.racing) {
      const { appName, userId, id: sessionId } = options.session;
      const other = await this.#store.getSession({ appName, userId, sessionId });
      if (other) {
        this.interferences += 1;
        await this.#store.appendEvent({
          session: other,
          event: createEvent({ invocationId: 'other-writer', author: 'other-writer' }),
        });
      }
    }
    return this.#store.appendEvent(options);
  }
}

const STALE = { error: expect.any(String), code: 'session.stale' };

describe('a stale write on every route that appends', () => {
  it('answers 409 session.stale (JSON or SSE error frame), and the retrying PATCH gives up', async () => {
    const sessions = new RacingWriterSessionService();
    const runner = new Runner({
      appName: 'app',
      agent: echoAgent(),
      sessionService: sessions,
      artifactService: new InMemoryArtifactService(),
    });
    await using server = await startServer({ apps: runner });
    const base = `${server.url}/apps/app/users/u1/sessions`;
    const scope = { appName: 'app', userId: 'u1' };

    // POST …/sessions with initial events: 409, and the session it made is taken back.
    const created = await postJson(base, {
      sessionId: 'seeded',
      events: [{ author: 'user', content: { role: 'user', parts: [{ text: 'hi' }] } }],
    });
    expect(created.status).toBe(409);
    expect(await created.json()).toEqual(STALE);
    expect(await sessions.getSession({ ...scope, sessionId: 'seeded' })).toBeUndefined();

    sessions.racing = false;
    await postJson(base, { sessionId: 's1' });
    sessions.racing = true;

    // PATCH retries a stale append on a fresh read; a writer that always wins exhausts it.
    const before = sessions.interferences;
    const patched = await fetch(`${base}/s1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stateDelta: { color: 'blue' } }),
    });
    expect(patched.status).toBe(409);
    expect(await patched.json()).toEqual(STALE);
    expect(sessions.interferences - before).toBe(5);

    // POST /run: the run's first append is stale.
    const run = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('hi') };
    const ran = await postJson(`${server.url}/run`, run);
    expect(ran.status).toBe(409);
    expect(await ran.json()).toEqual(STALE);

    // POST /run_sse: the stream has started (200), so the failure is its typed error frame.
    const streamed = await postJson(`${server.url}/run_sse`, { ...run, streaming: true });
    expect(streamed.status).toBe(200);
    const { messages } = await readSse(streamed);
    expect(JSON.parse(messages.at(-1)!.data)).toEqual(STALE);

    // Nothing the server tried to write got in: only the other writer's events are stored.
    const stored = await sessions.getSession({ ...scope, sessionId: 's1' });
    expect(new Set(stored!.events.map((event) => event.author))).toEqual(new Set(['other-writer']));
    expect(stored!.state).toEqual({});
  });

  it('succeeds once the other writer stops: PATCH recovers from a single stale append', async () => {
    const sessions = new RacingWriterSessionService();
    const runner = new Runner({ appName: 'app', agent: echoAgent(), sessionService: sessions });
    await using server = await startServer({ apps: runner });
    const base = `${server.url}/apps/app/users/u1/sessions`;
    sessions.racing = false;
    await postJson(base, { sessionId: 's1' });
    // One interfering write, then the way is clear: the route's retry absorbs it.
    sessions.racing = true;
    const original = sessions.appendEvent.bind(sessions);
    sessions.appendEvent = async (options) => {
      const result = original(options);
      sessions.racing = false;
      return result;
    };
    const patched = await fetch(`${base}/s1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stateDelta: { color: 'blue' } }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Session).state).toEqual({ color: 'blue' });
  });
});
