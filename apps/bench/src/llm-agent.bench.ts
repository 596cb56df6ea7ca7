// Cost of one tool turn (user message → model calls a tool → tool → model answers) through
// Runner + LlmAgent + ScriptedModel, on a new session vs a session holding 10,000 events (goal:
// at most 2×). The time spent inside the session service is reported apart, so the agent's own
// request building (each stored event converted once, the converted history extended turn by
// turn) can be checked not to grow with the history.
import { lastValueFrom } from 'rxjs';
import { createEvent, userContent, type Session, type SessionService } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { performance } from 'node:perf_hooks';
import { ratio, report, toMeasurement, type Measurement } from './harness.js';

const HISTORY = 10_000;
const OPERATIONS = 200;
const ROUNDS = 5;

// Requests are not recorded: copying a 10,000-message request per call would measure the test double.
const model = new ScriptedModel([], { recordRequests: false });
const tool = new FunctionTool({
  name: 'lookup',
  description: 'Looks a key up',
  parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
  execute: (args) => ({ value: `value of ${String(args.key)}` }),
});
const agent = new LlmAgent({
  name: 'assistant',
  model,
  instruction: 'Answer with {user:name?}.',
  tools: [tool],
});
const sessionService = new InMemorySessionService();
// The runner reaches the store through this pass-through, which adds up the time spent in it,
// so the report can tell the storage's share of a turn from the agent's.
let storeMs = 0;
async function timedStore<TResult>(call: () => Promise<TResult>): Promise<TResult> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    storeMs += performance.now() - started;
  }
}
const timedSessionService: SessionService = {
  createSession: (options) => timedStore(() => sessionService.createSession(options)),
  getSession: (options) => timedStore(() => sessionService.getSession(options)),
  listSessions: (options) => timedStore(() => sessionService.listSessions(options)),
  deleteSession: (options) => timedStore(() => sessionService.deleteSession(options)),
  appendEvent: (options) => timedStore(() => sessionService.appendEvent(options)),
};
const runner = new Runner({
  appName: 'bench',
  agent,
  sessionService: timedSessionService,
  runConfig: { streamingMode: 'none' },
});

async function seed(sessionId: string, events: number): Promise<void> {
  const session: Session = await sessionService.createSession({
    appName: 'bench',
    userId: 'u',
    sessionId,
  });
  for (let index = 0; index < events; index += 1) {
    const fromUser = index % 2 === 0;
    await sessionService.appendEvent({
      session,
      event: createEvent({
        invocationId: `seed-${index >> 1}`,
        author: fromUser ? 'user' : 'assistant',
        content: {
          role: fromUser ? 'user' : 'model',
          parts: [{ text: `message ${index} with a few words in it` }],
        },
      }),
    });
  }
}

async function toolTurn(sessionId: string, index: number): Promise<void> {
  model.push(
    {
      content: {
        role: 'model',
        parts: [{ functionCall: { id: `c${index}`, name: 'lookup', args: { key: `k${index}` } } }],
      },
    },
    'Done.',
  );
  await lastValueFrom(runner.run('u', sessionId, userContent(`question ${index}`)));
}

// The model does receive the whole history.
await seed('probe', HISTORY);
let seen = 0;
model.push((request) => {
  seen = request.contents.length;
  return 'ok';
});
await lastValueFrom(runner.run('u', 'probe', userContent('how long is the history?')));
if (seen < HISTORY) throw new Error(`expected at least ${HISTORY} contents, got ${seen}`);
await sessionService.deleteSession({ appName: 'bench', userId: 'u', sessionId: 'probe' });

// Each round seeds a fresh long session (it grows by 4 events a turn, so reusing one would
// measure ever longer histories) and deletes it afterwards, so no round carries the heap of the
// previous ones. Within a round the two cases alternate turn by turn, each turn timed on its own,
// so load from other processes, which comes and goes over seconds, hits both cases alike. The
// best round of each case counts; the median of the rounds' ratios is printed too.
interface Totals {
  wallMs: number;
  cpuMs: number;
  /** Wall time spent inside the session service. */
  storeMs: number;
}
const noTotals = (): Totals => ({ wallMs: 0, cpuMs: 0, storeMs: 0 });
async function timedTurn(sessionId: string, index: number, totals: Totals): Promise<void> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const store = storeMs;
  await toolTurn(sessionId, index);
  totals.wallMs += performance.now() - wall;
  totals.storeMs += storeMs - store;
  const used = process.cpuUsage(cpu);
  totals.cpuMs += (used.user + used.system) / 1000;
}

const WARMUP = OPERATIONS / 10;
const long = `session with ${HISTORY} events`;
const best: Record<string, Measurement> = {};
const keep = (measurement: Measurement): Measurement => {
  const previous = best[measurement.name];
  if (!previous || measurement.microsPerOp < previous.microsPerOp) {
    best[measurement.name] = measurement;
  }
  return measurement;
};
const roundRatios: { wall: number[]; cpu: number[]; outsideStore: number[] } = {
  wall: [],
  cpu: [],
  outsideStore: [],
};
let turn = 0;
for (let round = 0; round < ROUNDS; round += 1) {
  const longId = `long-${round}`;
  await seed(longId, HISTORY);
  const freshIds: string[] = [];
  const fresh = noTotals();
  const history = noTotals();
  for (let index = 0; index < WARMUP + OPERATIONS; index += 1) {
    const measured = index >= WARMUP;
    const freshId = `fresh-${round}-${index}`;
    freshIds.push(freshId);
    const pair: [string, Totals][] = [
      [freshId, measured ? fresh : noTotals()],
      [longId, measured ? history : noTotals()],
    ];
    if (index % 2 === 1) pair.reverse();
    for (const [sessionId, totals] of pair) await timedTurn(sessionId, turn++, totals);
  }
  const rows = {
    freshWall: keep(toMeasurement('tool turn, new session (wall)', OPERATIONS, fresh.wallMs)),
    freshCpu: keep(toMeasurement('tool turn, new session (CPU)', OPERATIONS, fresh.cpuMs)),
    longWall: keep(toMeasurement(`tool turn, ${long} (wall)`, OPERATIONS, history.wallMs)),
    longCpu: keep(toMeasurement(`tool turn, ${long} (CPU)`, OPERATIONS, history.cpuMs)),
    freshStore: keep(
      toMeasurement('  of which in the session service, new session', OPERATIONS, fresh.storeMs),
    ),
    longStore: keep(
      toMeasurement(`  of which in the session service, ${long}`, OPERATIONS, history.storeMs),
    ),
  };
  roundRatios.wall.push(ratio(rows.longWall, rows.freshWall));
  roundRatios.cpu.push(ratio(rows.longCpu, rows.freshCpu));
  roundRatios.outsideStore.push(
    (history.wallMs - history.storeMs) / (fresh.wallMs - fresh.storeMs),
  );
  for (const sessionId of [longId, ...freshIds]) {
    await sessionService.deleteSession({ appName: 'bench', userId: 'u', sessionId });
  }
}
const row = (label: string): Measurement => best[`tool turn, ${label}`]!;
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

report(
  'LlmAgent tool turn (Runner + LlmAgent + ScriptedModel, in-memory sessions; best of rounds)',
  [
    row('new session (wall)'),
    row(`${long} (wall)`),
    best['  of which in the session service, new session']!,
    best[`  of which in the session service, ${long}`]!,
    row('new session (CPU)'),
    row(`${long} (CPU)`),
  ],
  {
    [`${HISTORY} events vs new session (wall, best rounds)`]: ratio(
      row(`${long} (wall)`),
      row('new session (wall)'),
    ),
    [`${HISTORY} events vs new session (CPU, best rounds)`]: ratio(
      row(`${long} (CPU)`),
      row('new session (CPU)'),
    ),
    [`${HISTORY} events vs new session (wall, median of rounds)`]: median(roundRatios.wall),
    [`${HISTORY} events vs new session (CPU, median of rounds)`]: median(roundRatios.cpu),
    [`${HISTORY} events vs new session, outside the session service (wall, median of rounds)`]:
      median(roundRatios.outsideStore),
  },
);
