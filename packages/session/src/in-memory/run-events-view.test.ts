import { createEvent, userContent, type Session } from '@ferrite/core';
import { describe, expect, it } from 'vitest';
import { InMemorySessionService } from '../index.js';
import { LOAD_FOR_RUN } from './run-events-view.js';

const where = { appName: 'app', userId: 'u1', sessionId: 's1' };

async function sessionWith(count: number): Promise<InMemorySessionService> {
  return sessionWithFiller(0, count);
}

async function sessionWithFiller(filler: number, count: number): Promise<InMemorySessionService> {
  const sessions = new InMemorySessionService();
  const session = await sessions.createSession(where);
  for (let index = 0; index < filler; index += 1) {
    await sessions.appendEvent({
      session,
      event: createEvent({ id: `f${index}`, author: 'user', content: userContent('old') }),
    });
  }
  for (let index = 0; index < count; index += 1) {
    await sessions.appendEvent({
      session,
      event: createEvent({ id: `e${index}`, author: 'user', content: userContent(`m${index}`) }),
    });
  }
  return sessions;
}

async function loadForRun(sessions: InMemorySessionService): Promise<Session | undefined> {
  return sessions[LOAD_FOR_RUN](where);
}

describe('InMemorySessionService copy-on-read', () => {
  it('does not change a getSession result when the store appends later', async () => {
    const sessions = await sessionWith(2);
    const read = (await sessions.getSession(where))!;
    const writer = (await sessions.getSession(where))!;
    await sessions.appendEvent({
      session: writer,
      event: createEvent({ id: 'e2', author: 'user' }),
    });
    expect(read.events.map((event) => event.id)).toEqual(['e0', 'e1']);
    expect(writer.events.map((event) => event.id)).toEqual(['e0', 'e1', 'e2']);
  });

  it('does not change the store when a getSession result is changed', async () => {
    const sessions = await sessionWith(2);
    const read = (await sessions.getSession(where))!;
    read.events.push(createEvent({ id: 'foreign', author: 'user' }));
    read.events.splice(0, 1);
    expect((await sessions.getSession(where))!.events.map((event) => event.id)).toEqual([
      'e0',
      'e1',
    ]);
  });
});

// Up to 256 stored events a run reads a frozen copy of the array; past that a proxy view. Both
// must read like the copy, refuse changes and grow with the run's own appends alone.
describe.each([
  { history: 'a short history (frozen copy)', filler: 0 },
  { history: 'a long history (view)', filler: 300 },
])('InMemorySessionService read for a run, $history', ({ filler }) => {
  /** A session holding `filler` older events, then e0…e(count-1). */
  const sessionWith = (count: number): Promise<InMemorySessionService> =>
    sessionWithFiller(filler, count);
  /** The ids after the filler. */
  const ids = (events: readonly { id: string }[]): string[] =>
    events.slice(filler).map((event) => event.id);

  it('shares the stored events, as an array that reads like the copy', async () => {
    const sessions = await sessionWith(3);
    const run = (await loadForRun(sessions))!;
    const copy = (await sessions.getSession(where))!;
    expect(Array.isArray(run.events)).toBe(true);
    const length = filler + 3;
    expect(run.events).toHaveLength(length);
    expect(run.events[0]).toBe(copy.events[0]);
    expect(run.events.at(-1)).toBe(copy.events[length - 1]);
    expect([...run.events]).toEqual(copy.events);
    expect(ids(run.events)).toEqual(['e0', 'e1', 'e2']);
    expect(Object.keys(run.events)).toEqual(Array.from({ length }, (_, index) => String(index)));
    expect(JSON.parse(JSON.stringify(run.events))).toEqual(JSON.parse(JSON.stringify(copy.events)));
    expect(1 in run.events).toBe(true);
    expect(length in run.events).toBe(false);
    expect(run.events[length]).toBeUndefined();
    expect(run).toMatchObject({ revision: copy.revision, state: copy.state });
  });

  it('refuses changes to its events, leaving the store as it was', async () => {
    const sessions = await sessionWith(2);
    const run = (await loadForRun(sessions))!;
    const foreign = createEvent({ id: 'foreign', author: 'user' });
    expect(() => run.events.push(foreign)).toThrow(TypeError);
    expect(() => (run.events[0] = foreign)).toThrow(TypeError);
    expect(() => run.events.splice(0, 1)).toThrow(TypeError);
    expect(() => (run.events.length = 0)).toThrow(TypeError);
    expect(() => delete (run.events as unknown as Record<string, unknown>)['0']).toThrow(TypeError);
    expect(ids(run.events)).toEqual(['e0', 'e1']);
    expect(ids((await sessions.getSession(where))!.events)).toEqual(['e0', 'e1']);
  });

  it("grows with the run's appends through the service and not with anyone else's", async () => {
    const sessions = await sessionWith(1);
    const run = (await loadForRun(sessions))!;
    const stored = await sessions.appendEvent({
      session: run,
      event: createEvent({ id: 'run-1', author: 'agent' }),
    });
    expect(run.events).toHaveLength(filler + 2);
    expect(run.events.at(-1)).toBe(stored);
    expect(run.revision).toBe(filler + 2);

    const other = (await sessions.getSession(where))!;
    await sessions.appendEvent({
      session: other,
      event: createEvent({ id: 'other', author: 'user' }),
    });
    expect(ids(run.events)).toEqual(['e0', 'run-1']);
    await expect(
      sessions.appendEvent({ session: run, event: createEvent({ id: 'run-2', author: 'agent' }) }),
    ).rejects.toMatchObject({ code: 'session.stale' });
    expect(ids(run.events)).toEqual(['e0', 'run-1']);
    expect(ids((await sessions.getSession(where))!.events)).toEqual(['e0', 'run-1', 'other']);
  });

  it('keeps what it showed when its session is deleted and created again', async () => {
    const sessions = await sessionWith(2);
    const run = (await loadForRun(sessions))!;
    await sessions.deleteSession(where);
    await sessions.createSession(where);
    // The new session is at revision 0; the run's session is past it, so it cannot append there.
    await expect(
      sessions.appendEvent({ session: run, event: createEvent({ id: 'late', author: 'agent' }) }),
    ).rejects.toMatchObject({ code: 'session.stale' });
    expect(ids(run.events)).toEqual(['e0', 'e1']);
  });

  it('continues on a copy when the store array was replaced under a session at the same revision', async () => {
    const sessions = await sessionWith(0);
    const run = (await loadForRun(sessions))!;
    await sessions.deleteSession(where);
    const again = await sessions.createSession(where);
    await sessions.appendEvent({
      session: again,
      event: createEvent({ id: 'new', author: 'user' }),
    });
    await sessions.deleteSession(where);
    // Brought to the run's revision with other events: the run's append is accepted there.
    const third = await sessions.createSession(where);
    for (let index = 0; index < filler; index += 1) {
      await sessions.appendEvent({
        session: third,
        event: createEvent({ id: `g${index}`, author: 'user' }),
      });
    }
    const stored = await sessions.appendEvent({
      session: run,
      event: createEvent({ id: 'run-1', author: 'agent' }),
    });
    expect(run.events.slice(filler)).toEqual([stored]);
    expect(run.events.slice(0, filler).every((event) => event.id.startsWith('f'))).toBe(true);
    expect((await sessions.getSession(where))!.events.slice(filler)).toEqual([stored]);
  });
});

describe('InMemorySessionService read for a run, filters', () => {
  it('returns undefined for a missing session and applies filters by copying', async () => {
    const sessions = await sessionWith(3);
    expect(await sessions[LOAD_FOR_RUN]({ ...where, sessionId: 'missing' })).toBeUndefined();
    const recent = (await sessions[LOAD_FOR_RUN]({ ...where, numRecentEvents: 1 }))!;
    expect(recent.events.map((event) => event.id)).toEqual(['e1', 'e2'].slice(1));
    recent.events.push(createEvent({ id: 'mine', author: 'user' }));
    expect(await sessions.getSession(where).then((s) => s!.events.length)).toBe(3);
  });
});
