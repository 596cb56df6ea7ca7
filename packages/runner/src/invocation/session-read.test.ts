import { describe, expect, it } from 'vitest';
import { userContent, type Event, type InvocationContext } from '@ferrite/core';
import { runToArray } from '../index.js';
import { InMemorySessionService, TestAgent, makeRunner, say } from '../testing/runner-fixtures.js';
import { readSessionForRun } from './session-read.js';

const where = { appName: 'test_app', userId: 'u1', sessionId: 's1' };

describe('the session a run reads', () => {
  it("sees the run's own events, refuses writes to its events, and leaves earlier reads as they were", async () => {
    let seen: string[] = [];
    let refused: unknown;
    const agent = new TestAgent('root', async function* (context: InvocationContext) {
      yield say('first');
      seen = context.session.events.map((event) => event.content?.parts[0]?.text ?? '');
      try {
        context.session.events.push(say('smuggled'));
      } catch (error) {
        refused = error;
      }
      yield say('second');
    });
    const { runner, sessions, stored } = makeRunner(agent);
    await runToArray(runner.run('u1', 's1', userContent('hi')));
    const before = (await sessions.getSession(where))!;
    const lengthBefore = before.events.length;

    await runToArray(runner.run('u1', 's1', userContent('again')));

    expect(seen).toEqual(['hi', 'first', 'second', 'again', 'first']);
    expect(refused).toBeInstanceOf(TypeError);
    expect(before.events).toHaveLength(lengthBefore);
    expect((await stored()).map((event) => event.content?.parts[0]?.text)).toEqual([
      'hi',
      'first',
      'second',
      'again',
      'first',
      'second',
    ]);
  });

  it('reads through getSession when the service has no read for runs or a history limit applies', async () => {
    const sessions = new InMemorySessionService();
    await sessions.createSession(where);
    const plain = {
      getSession: sessions.getSession.bind(sessions),
    } as unknown as InMemorySessionService;
    const copy = (await readSessionForRun(plain, where))!;
    copy.events.push({ id: 'mine' } as Event);
    expect((await sessions.getSession(where))!.events).toHaveLength(0);

    const limited = (await readSessionForRun(sessions, { ...where, numRecentEvents: 5 }))!;
    limited.events.push({ id: 'mine' } as Event);
    expect((await sessions.getSession(where))!.events).toHaveLength(0);

    const shared = (await readSessionForRun(sessions, where))!;
    expect(() => shared.events.push({ id: 'mine' } as Event)).toThrow(TypeError);
  });
});

describe('delivering agent events', () => {
  it('emits each event only once it is stored, as the stored object, and rejects a value that is not an event', async () => {
    const agent = new TestAgent('root', () => [say('one'), say('two')]);
    const { runner, sessions } = makeRunner(agent);
    const checks: boolean[] = [];
    const emitted: Event[] = [];
    await new Promise<void>((resolve, reject) => {
      runner.run('u1', 's1', userContent('hi')).subscribe({
        next: (event) => {
          emitted.push(event);
          // Read synchronously inside next: the store must already hold this very object.
          void sessions.getSession(where).then((session) => {
            checks.push(session!.events.includes(event));
          });
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(emitted.map((event) => event.content?.parts[0]?.text)).toEqual(['one', 'two']);
    expect(checks).toEqual([true, true]);
    expect(emitted.every((event) => Object.isFrozen(event))).toBe(true);

    const broken = new TestAgent('root', () => [42 as unknown as Event]);
    const failed = await runToArray(
      makeRunner(broken).runner.run('u1', 's1', userContent('hi')),
    ).catch((error: unknown) => error);
    expect(failed).toMatchObject({ message: expect.stringMatching(/not an event/) });
  });
});
