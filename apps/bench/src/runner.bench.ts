// Runner overhead: the same three-event agent turn (function call, function response, final
// text) consumed directly versus through Runner + InMemorySessionService; long sessions;
// heap growth after many sessions.
import { randomUUID } from 'node:crypto';
import { lastValueFrom } from 'rxjs';
import {
  createEvent,
  userContent,
  type Agent,
  type Event,
  type SessionService,
} from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { bestOf, heapUsedBytes, ratio, report, type Measurement } from './harness.js';

const EVENTS_PER_TURN = 3;
const TURNS = 10_000;

async function* threeEvents(): AsyncGenerator<Event> {
  yield createEvent({
    content: {
      role: 'model',
      parts: [{ functionCall: { id: 'c1', name: 'get_weather', args: { city: 'Lisbon' } } }],
    },
  });
  yield createEvent({
    content: {
      role: 'user',
      parts: [{ functionResponse: { id: 'c1', name: 'get_weather', response: { sky: 'clear' } } }],
    },
  });
  yield createEvent({ content: { role: 'model', parts: [{ text: 'It is sunny in Lisbon.' }] } });
}

const agent: Agent = {
  name: 'weather',
  description: 'answers with a tool call, its result and a final text',
  subAgents: [],
  run: () => threeEvents(),
};

function newRunner(sessionService: SessionService = new InMemorySessionService()): Runner {
  return new Runner({
    appName: 'bench',
    agent,
    sessionService,
    runConfig: { streamingMode: 'none' },
  });
}

async function turn(runner: Runner, sessionId: string): Promise<void> {
  await lastValueFrom(runner.run('u1', sessionId, userContent('Weather in Lisbon?')));
}

/** A store that keeps nothing: isolates the Runner's own cost from the session store's. */
const nullStore: SessionService = {
  createSession: async (options) => ({
    id: options.sessionId ?? 'x',
    appName: options.appName,
    userId: options.userId,
    state: {},
    events: [],
    lastUpdateTime: 0,
    revision: 0,
  }),
  getSession: async () => undefined,
  listSessions: async () => ({ sessions: [] }),
  deleteSession: async () => undefined,
  appendEvent: async ({ event }) => event,
};

/**
 * What a caller writes with no runner: find or create the session, store the user message,
 * then store each of the agent's events, on the same InMemorySessionService.
 */
async function handLoop(sessions: SessionService, sessionId: string): Promise<number> {
  const key = { appName: 'bench', userId: 'u1', sessionId };
  const session = (await sessions.getSession(key)) ?? (await sessions.createSession(key));
  const invocationId = randomUUID();
  await sessions.appendEvent({
    session,
    event: createEvent({
      invocationId,
      author: 'user',
      content: userContent('Weather in Lisbon?'),
    }),
  });
  let count = 0;
  for await (const event of threeEvents()) {
    event.invocationId = invocationId;
    event.author = agent.name;
    await sessions.appendEvent({ session, event });
    count += 1;
  }
  return count;
}

const nullRunner = newRunner(nullStore);
// Each round starts on empty stores (index 0 opens a round), so the heap the rounds leave
// behind does not slow the later cases down.
let memoryRunner = newRunner();
let handStore = new InMemorySessionService();
// 10,000 turns per round (30,000 agent events), over 1,000 sessions of 10 turns each.
const [direct, viaHand, viaNull, viaMemory] = (await bestOf(
  3,
  {
    'direct: agent events, no runner': async () => {
      let count = 0;
      for await (const event of threeEvents()) if (event.id) count += 1;
      return count;
    },
    'hand loop + InMemorySessionService': (index) =>
      handLoop(
        index === 0 ? (handStore = new InMemorySessionService()) : handStore,
        `s${Math.floor(index / EVENTS_PER_TURN) % 1000}`,
      ),
    'runner + store that keeps nothing': (index) =>
      turn(nullRunner, `s${Math.floor(index / EVENTS_PER_TURN) % 1000}`),
    'runner + InMemorySessionService': (index) =>
      turn(
        index === 0 ? (memoryRunner = newRunner()) : memoryRunner,
        `s${Math.floor(index / EVENTS_PER_TURN) % 1000}`,
      ),
  },
  {
    operations: TURNS * EVENTS_PER_TURN,
    perCall: EVENTS_PER_TURN,
    clock: 'cpu',
    warmup: (TURNS * EVENTS_PER_TURN) / 5,
  },
)) as [Measurement, Measurement, Measurement, Measurement];

report(
  'Runner per-event cost (CPU µs per agent event; three-event turns)',
  [direct, viaHand, viaNull, viaMemory],
  {
    'runner (no store) / direct': ratio(viaNull, direct),
    'runner + InMemorySessionService / hand loop on the same store (goal ≤ 3)': ratio(
      viaMemory,
      viaHand,
    ),
    'runner + InMemorySessionService / direct': ratio(viaMemory, direct),
  },
);

// Long sessions: a turn on a session already holding 10,000 events vs on a new session.
const longService = new InMemorySessionService();
const longRunner = newRunner(longService);
const long = await longService.createSession({ appName: 'bench', userId: 'u1', sessionId: 'long' });
for (let i = 0; i < 10_000; i += 1) {
  await longService.appendEvent({
    session: long,
    event: createEvent({
      author: i % 4 === 0 ? 'user' : 'weather',
      content: { role: 'model', parts: [{ text: `event ${i}` }] },
    }),
  });
}
const limitedRunner = new Runner({
  appName: 'bench',
  agent,
  sessionService: longService,
  runConfig: { streamingMode: 'none', historyLimit: 100 },
});
const LONG_TURNS = 250;
let fresh = 0;
const [onNew, onLong, onLimited] = (await bestOf(
  3,
  {
    'turn on a new session': () => turn(longRunner, `new${fresh++}`),
    'turn on a 10,000-event session': () => turn(longRunner, 'long'),
    'same, historyLimit 100': () => turn(limitedRunner, 'long'),
  },
  { operations: LONG_TURNS, clock: 'cpu', warmup: LONG_TURNS / 5 },
)) as [Measurement, Measurement, Measurement];
report('Long sessions (CPU µs per turn)', [onNew, onLong, onLimited], {
  'long / new': ratio(onLong, onNew),
  'long with historyLimit 100 / new': ratio(onLimited, onNew),
});

// Heap growth after 10,000 sessions of one turn each.
const heapService = new InMemorySessionService();
const heapRunner = newRunner(heapService);
await turn(heapRunner, 'warm');
const before = heapUsedBytes();
for (let i = 0; i < 10_000; i += 1) await turn(heapRunner, `h${i}`);
const withSessions = heapUsedBytes();
for (let i = 0; i < 10_000; i += 1) {
  await heapService.deleteSession({ appName: 'bench', userId: 'u1', sessionId: `h${i}` });
}
const afterDelete = heapUsedBytes();
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
console.log('\n## Heap after 10,000 sessions (one turn each, four stored events per session)');
console.log(
  `growth with the sessions stored: ${mb(withSessions - before)} (${Math.round((withSessions - before) / 10_000)} bytes per session)`,
);
console.log(
  `growth left after deleting them: ${mb(afterDelete - before)} (the runner itself keeps nothing per session)`,
);
console.log(
  `session locks held afterwards: ${heapRunner.isRunning('u1', 'h9999') ? 'some' : 'none'}`,
);
