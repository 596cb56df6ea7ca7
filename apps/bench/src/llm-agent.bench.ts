// Cost of one tool turn (user message → model calls a tool → tool → model answers) through
// Runner + LlmAgent + ScriptedModel, on a new session vs a session holding 10,000 events.
import { lastValueFrom } from 'rxjs';
import { createEvent, userContent, type Session } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { measure, ratio, report, type Measurement } from './harness.js';

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
const runner = new Runner({
  appName: 'bench',
  agent,
  sessionService,
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

// Each long measurement gets a freshly seeded session (it grows by 4 events a turn, so reusing
// one would measure ever longer histories), deleted afterwards so no round carries the heap of
// the previous ones. Rounds alternate between the two cases so machine noise hits both; the
// best round of each counts.
let sessions = 0;
const best = (a: Measurement | undefined, b: Measurement): Measurement =>
  a && a.microsPerOp <= b.microsPerOp ? a : b;
const results: Record<string, Measurement> = {};
async function measureCase(label: string, clock: 'wall' | 'cpu', history: number): Promise<void> {
  const sessionId = `s${sessions++}`;
  if (history > 0) await seed(sessionId, history);
  const fresh = (index: number) => toolTurn(`${sessionId}-${index}`, index);
  const long = (index: number) => toolTurn(sessionId, index);
  const result = await measure(
    `tool turn, ${label} (${clock === 'cpu' ? 'CPU' : 'wall'})`,
    history > 0 ? long : fresh,
    { operations: OPERATIONS, clock },
  );
  results[result.name] = best(results[result.name], result);
  if (history > 0) {
    await sessionService.deleteSession({ appName: 'bench', userId: 'u', sessionId });
  } else {
    for (let index = 0; index < OPERATIONS * 1.1 + 1; index += 1) {
      await sessionService.deleteSession({
        appName: 'bench',
        userId: 'u',
        sessionId: `${sessionId}-${index}`,
      });
    }
  }
}
for (let round = 0; round < ROUNDS; round += 1) {
  for (const clock of ['wall', 'cpu'] as const) {
    await measureCase('new session', clock, 0);
    await measureCase(`session with ${HISTORY} events`, clock, HISTORY);
  }
}
const row = (label: string): Measurement => results[`tool turn, ${label}`]!;

report(
  'LlmAgent tool turn (Runner + LlmAgent + ScriptedModel, in-memory sessions; best of rounds)',
  Object.values(results),
  {
    [`${HISTORY} events vs new session (wall)`]: ratio(
      row(`session with ${HISTORY} events (wall)`),
      row('new session (wall)'),
    ),
    [`${HISTORY} events vs new session (CPU)`]: ratio(
      row(`session with ${HISTORY} events (CPU)`),
      row('new session (CPU)'),
    ),
  },
);
