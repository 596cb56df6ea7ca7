import { describe, expect, it } from 'vitest';
import { createEvent, freezeEvent, type Event, type Part, type Session } from '@ferrite/core';
import { InMemorySessionService } from '@ferrite/session';
import {
  BranchHistory,
  CANCELLED_CALL_RESPONSE,
  convertEvent,
  isVisibleFromBranch,
} from './branch-history.js';

const text = (author: string, value: string, extra: Partial<Event> = {}): Event =>
  freezeEvent(
    createEvent({
      author,
      content: { role: author === 'user' ? 'user' : 'model', parts: [{ text: value }] },
      ...extra,
    }),
  );

const sessionOf = (events: Event[], id = 's1'): Session => ({
  id,
  appName: 'app',
  userId: 'u1',
  state: {},
  events,
  lastUpdateTime: 0,
  revision: events.length,
});

describe('BranchHistory', () => {
  it('keeps own and user events, rewrites others as context and skips partials and empty events', () => {
    const history = new BranchHistory('me');
    const events = [
      text('user', 'hi'),
      text('me', 'hello'),
      text('other', 'psst', { partial: true }),
      freezeEvent(createEvent({ author: 'other' })) as Event,
      freezeEvent(
        createEvent({
          author: 'other',
          content: {
            role: 'model',
            parts: [
              { text: 'secret', thought: true },
              { functionCall: { id: 'c', name: 'look', args: { q: 1 } } },
            ],
          },
        }),
      ) as Event,
    ];
    expect(history.contentsFor(sessionOf(events), undefined)).toEqual([
      { role: 'user', parts: [{ text: 'hi' }] },
      { role: 'model', parts: [{ text: 'hello' }] },
      {
        role: 'user',
        parts: [
          { text: 'For context:' },
          { text: '[other] called tool `look` with parameters: {"q":1}' },
        ],
      },
    ]);
  });

  it("shows a branch only its own and its ancestors' events", () => {
    expect(isVisibleFromBranch(undefined, 'p.a')).toBe(true);
    expect(isVisibleFromBranch('p', 'p.a')).toBe(true);
    expect(isVisibleFromBranch('p.a', 'p.a')).toBe(true);
    expect(isVisibleFromBranch('p.b', 'p.a')).toBe(false);
    expect(isVisibleFromBranch('p.ab', 'p.a')).toBe(false);
    expect(isVisibleFromBranch('p.a', undefined)).toBe(true);
  });

  it('extends its cached list when the session only grew, and rebuilds when it did not', () => {
    const history = new BranchHistory('me');
    const events = [text('user', '1'), text('me', '2')];
    expect(history.contentsFor(sessionOf(events), undefined)).toHaveLength(2);
    // A fresh session object over the same stored events plus new ones (as a new turn reads it).
    const grown = [...events, text('user', '3'), text('other', 'x', { branch: 'p.b' })];
    expect(history.contentsFor(sessionOf(grown), 'p.a').map((c) => c.parts.at(-1)!.text)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(history.contentsFor(sessionOf(grown), undefined)).toHaveLength(4);
    // A caller that changes a returned list only causes a rebuild.
    const again = history.contentsFor(sessionOf(events), undefined);
    again.pop();
    expect(history.contentsFor(sessionOf(events), undefined)).toHaveLength(2);
    // Not a continuation (different events at the same places): rebuilt from scratch.
    const replaced = [text('user', 'A'), text('me', 'B'), text('user', 'C')];
    expect(
      history.contentsFor(sessionOf(replaced), undefined).map((c) => c.parts[0]!.text),
    ).toEqual(['A', 'B', 'C']);
    // Trimmed from the front (historyLimit): rebuilt.
    expect(
      history.contentsFor(sessionOf(replaced.slice(1)), undefined).map((c) => c.parts[0]!.text),
    ).toEqual(['B', 'C']);
  });

  it('extends its cached list when a service reads the same events as fresh objects', () => {
    const history = new BranchHistory('me');
    const events = [text('user', '1'), text('other', '2'), text('me', '3')];
    const first = history.contentsFor(sessionOf(events), undefined);
    const converted = first[1];
    // What PostgreSQL gives: equal events, new objects, plus the new turn's event.
    const reread = [
      ...events.map((event) => freezeEvent(structuredClone(event))),
      text('user', '4'),
    ];
    const second = history.contentsFor(sessionOf(reread), undefined);
    expect(second).toBe(first);
    expect(second[1]).toBe(converted);
    expect(second.map((c) => c.parts.at(-1)!.text)).toEqual(['1', '[other] said: 2', '3', '4']);
  });

  it('converts each event once', () => {
    const event = text('other', 'hello');
    const history = new BranchHistory('me');
    const a = history.contentsFor(sessionOf([event], 's1'), undefined)[0];
    const b = history.contentsFor(sessionOf([event], 's2'), undefined)[0];
    expect(a).toBe(b);
    expect(convertEvent(event, 'me')).not.toBe(a);
  });
});

describe('BranchHistory after a cut turn', () => {
  // Responses are stored in the user role, as LlmAgent stores them.
  const stored = (author: string, parts: Part[]): Event =>
    freezeEvent(
      createEvent({
        author,
        content: { role: author === 'me' && !parts[0]!.functionResponse ? 'model' : 'user', parts },
      }),
    );
  const call = (id: string): Part => ({ functionCall: { id, name: 'look', args: {} } });
  const answer = (id: string): Part => ({
    functionResponse: { id, name: 'look', response: { found: id } },
  });
  const cancelled = (id: string): Part => ({
    functionResponse: { id, name: 'look', response: { ...CANCELLED_CALL_RESPONSE } },
  });

  it('answers a call whose response was never stored as cancelled, without changing the session', () => {
    const events = [
      stored('user', [{ text: 'find it' }]),
      stored('me', [call('c1')]),
      stored('user', [{ text: 'are you there?' }]),
    ];
    const session = sessionOf(events);
    expect(new BranchHistory('me').contentsFor(session, undefined)).toEqual([
      { role: 'user', parts: [{ text: 'find it' }] },
      { role: 'model', parts: [call('c1')] },
      { role: 'user', parts: [cancelled('c1')] },
      { role: 'user', parts: [{ text: 'are you there?' }] },
    ]);
    expect(session.events).toEqual(events);
    expect(session.events).toHaveLength(3);
  });

  it('puts the missing responses of a partly answered turn into the answering content', () => {
    const events = [
      stored('user', [{ text: 'find both' }]),
      stored('me', [call('c1'), call('c2')]),
      stored('me', [answer('c2')]),
    ];
    const contents = new BranchHistory('me').contentsFor(sessionOf(events), undefined);
    expect(contents.at(-1)).toEqual({ role: 'user', parts: [cancelled('c1'), answer('c2')] });
    expect(contents).toHaveLength(3);
  });

  it('answers a trailing call for the request only, and uses the real response once stored', () => {
    const history = new BranchHistory('me');
    const events = [stored('user', [{ text: 'find it' }]), stored('me', [call('c1')])];
    const session = sessionOf(events);
    expect(history.contentsFor(session, undefined).at(-1)).toEqual({
      role: 'user',
      parts: [cancelled('c1')],
    });
    events.push(stored('me', [answer('c1')]));
    expect(history.contentsFor(session, undefined)).toEqual([
      { role: 'user', parts: [{ text: 'find it' }] },
      { role: 'model', parts: [call('c1')] },
      { role: 'user', parts: [answer('c1')] },
    ]);
  });

  it('keeps two user messages in a row as they are', () => {
    const events = [stored('user', [{ text: 'one' }]), stored('user', [{ text: 'two' }])];
    expect(new BranchHistory('me').contentsFor(sessionOf(events), undefined)).toEqual([
      { role: 'user', parts: [{ text: 'one' }] },
      { role: 'user', parts: [{ text: 'two' }] },
    ]);
  });
});

describe("BranchHistory on a run's view of a long in-memory history", () => {
  const loadForRun = Symbol.for('@ferrite/session.loadForRun');
  const key = { appName: 'app', userId: 'u1', sessionId: 's1' };

  /** One stored turn: question, call, response, answer, and a remark of another agent. */
  const turn = (n: number): Event[] => [
    text('user', `question ${n}`),
    freezeEvent(
      createEvent({
        author: 'root',
        content: {
          role: 'model',
          parts: [{ functionCall: { id: `call-${n}`, name: 'lookup', args: { n } } }],
        },
      }),
    ),
    freezeEvent(
      createEvent({
        author: 'root',
        content: {
          role: 'user',
          parts: [{ functionResponse: { id: `call-${n}`, name: 'lookup', response: { n } } }],
        },
      }),
    ),
    text('root', `answer ${n}`),
    text('helper', `remark ${n}`, { branch: n % 2 === 0 ? 'root.helper' : undefined }),
  ];

  it('reads the events behind the view and builds what the plain array builds, as it grows', async () => {
    const service = new InMemorySessionService();
    await service.createSession(key);
    let session = (await service.getSession(key))!;
    for (let n = 0; n < 80; n += 1) {
      for (const event of turn(n)) await service.appendEvent({ session, event });
    }
    const read = (service as unknown as Record<symbol, (options: typeof key) => Session>)[
      loadForRun
    ]!;
    const viewed = read.call(service, key);
    expect(Object.isFrozen(viewed.events)).toBe(false); // the proxy view, past the copied length
    expect(viewed.events).toHaveLength(400);

    const fromView = new BranchHistory('root');
    const fromArray = new BranchHistory('root');
    expect(fromView.contentsFor(viewed, undefined)).toEqual(
      fromArray.contentsFor((await service.getSession(key))!, undefined),
    );

    for (const event of turn(80)) await service.appendEvent({ session: viewed, event });
    session = (await service.getSession(key))!;
    expect(viewed.events).toHaveLength(405);
    const extended = fromView.contentsFor(viewed, undefined);
    expect(extended).toEqual(fromArray.contentsFor(session, undefined));
    expect(extended.at(-2)).toEqual({ role: 'model', parts: [{ text: 'answer 80' }] });
  });
});
