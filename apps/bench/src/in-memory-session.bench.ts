// InMemorySessionService: append throughput, and whether a turn's read (the newest 20 events)
// costs the same on a long session as on a short one. Goal: 10,000 events under 2× of 20 events.
import { createEvent, userContent, type Session } from '@ferrite/core';
import { InMemorySessionService } from '@ferrite/session';
import { bestOf, measure, ratio, report } from './harness.js';

const APP = 'bench';
const sessions = new InMemorySessionService();

function turnEvent(index: number) {
  return createEvent({
    author: index % 2 === 0 ? 'user' : 'assistant',
    invocationId: `inv-${Math.floor(index / 2)}`,
    content: userContent(`message number ${index} with a little text in it`),
    actions: { stateDelta: { turn: index } },
  });
}

async function sessionWith(events: number, sessionId: string): Promise<Session> {
  const session = await sessions.createSession({ appName: APP, userId: 'u1', sessionId });
  for (let i = 0; i < events; i++) await sessions.appendEvent({ session, event: turnEvent(i) });
  return session;
}

const appendTarget = await sessions.createSession({
  appName: APP,
  userId: 'u1',
  sessionId: 'append',
});
// Events are built beforehand so the figure is the append alone.
const appendEvents = Array.from({ length: 22_000 }, (_, index) => turnEvent(index));
const append = await measure(
  'appendEvent',
  (index) => sessions.appendEvent({ session: appendTarget, event: appendEvents[index]! }),
  { operations: 20_000, warmup: 2_000 },
);

await sessionWith(10_000, 'long');
await sessionWith(20, 'short');
const read = (sessionId: string) => () =>
  sessions.getSession({ appName: APP, userId: 'u1', sessionId, numRecentEvents: 20 });
// Interleaved rounds, best of each: measuring one case after the other would credit the second
// with the JIT warm-up the first paid for.
const [short, long] = await bestOf(
  5,
  {
    'getSession newest 20 of 20 events': read('short'),
    'getSession newest 20 of 10,000 events': read('long'),
  },
  { operations: 20_000 },
);
if (!short || !long) throw new Error('bestOf measured nothing');
const full = await measure(
  'getSession all of 10,000 events',
  () => sessions.getSession({ appName: APP, userId: 'u1', sessionId: 'long' }),
  { operations: 2_000 },
);

report('InMemorySessionService', [append, short, long, full], {
  'newest 20: 10,000-event session vs 20-event session (goal < 2)': ratio(long, short),
});
