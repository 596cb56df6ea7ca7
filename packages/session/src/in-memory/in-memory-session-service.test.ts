import { createEvent, userContent } from '@ferrite/core';
import { sessionServiceContract } from '@ferrite/core/testing';
import { describe, expect, it } from 'vitest';
import { InMemorySessionService } from '../index.js';

sessionServiceContract('InMemorySessionService', { create: () => new InMemorySessionService() });

describe('InMemorySessionService', () => {
  const where = { appName: 'app', userId: 'u1', sessionId: 's1' };

  it('shares the frozen stored events between reads instead of cloning the history', async () => {
    const sessions = new InMemorySessionService();
    const session = await sessions.createSession(where);
    const stored = await sessions.appendEvent({
      session,
      event: createEvent({ author: 'user', content: userContent('hi') }),
    });
    const first = await sessions.getSession(where);
    const second = await sessions.getSession({ ...where, numRecentEvents: 1 });
    expect(first?.events[0]).toBe(stored);
    expect(second?.events[0]).toBe(stored);
    expect(first?.events).not.toBe(second?.events);
  });

  it('accepts temp: values that cannot be stored, keeping them only on the passed session', async () => {
    const sessions = new InMemorySessionService();
    const session = await sessions.createSession(where);
    const handle = { close: () => undefined, self: undefined as unknown };
    handle.self = handle;
    await sessions.appendEvent({
      session,
      event: createEvent({
        author: 'agent',
        actions: { stateDelta: { 'temp:handle': handle, n: 1 } },
      }),
    });
    expect(session.state['temp:handle']).toBe(handle);
    expect((await sessions.getSession(where))?.state).toEqual({ n: 1 });
  });

  it('rejects initial state that cannot be stored, creating nothing', async () => {
    const sessions = new InMemorySessionService();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(sessions.createSession({ ...where, state: { cyclic } })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    expect(await sessions.getSession(where)).toBeUndefined();
  });

  it('rejects an event without an id or with a non-numeric timestamp', async () => {
    const sessions = new InMemorySessionService();
    const session = await sessions.createSession(where);
    for (const event of [
      { ...createEvent({ author: 'user' }), id: '' },
      { ...createEvent({ author: 'user' }), timestamp: Number.NaN },
    ]) {
      await expect(sessions.appendEvent({ session, event })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    }
    expect(session.revision).toBe(0);
  });

  it('refuses a repeated event id in a short session and in one past the scanned length', async () => {
    const sessions = new InMemorySessionService();
    const session = await sessions.createSession(where);
    const append = (id: string) =>
      sessions.appendEvent({ session, event: createEvent({ id, author: 'user' }) });
    for (let index = 0; index < 3; index += 1) await append(`e${index}`);
    await expect(append('e1')).rejects.toThrow(/already holds an event with id e1/);
    for (let index = 3; index < 40; index += 1) await append(`e${index}`);
    await expect(append('e2')).rejects.toThrow(/already holds an event with id e2/);
    await expect(append('e39')).rejects.toThrow(/already holds an event with id e39/);
    await append('e40');
    await expect(append('e40')).rejects.toThrow(/already holds an event with id e40/);
    expect(session.events).toHaveLength(41);
    expect((await sessions.getSession(where))?.events.map((event) => event.id).at(-1)).toBe('e40');
  });
});
