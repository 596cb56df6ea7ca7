import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { lastValueFrom, toArray } from 'rxjs';
import {
  StaleSessionError,
  createEvent,
  textOf,
  userContent,
  type Agent,
  type Event,
  type InvocationContext,
  type Plugin,
} from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { Runner } from '@ferrite/runner';
import { PostgresSessionService } from '@ferrite/session/postgres';

const connectionString = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `runner_e2e_${process.pid}_${Date.now()}`;
const APP = 'support_desk';

function agent(
  name: string,
  turn: (ctx: InvocationContext) => AsyncIterable<Event>,
  subAgents: Agent[] = [],
): Agent {
  return { name, description: `${name} agent`, subAgents, run: turn };
}

/** Billing asks its (scripted) model once per turn and remembers the plan it quoted. */
function billingAgent(model: ScriptedModel): Agent {
  return agent('billing', async function* (ctx) {
    ctx.countModelCall();
    let reply: Event | undefined;
    for await (const response of model.generate(
      { contents: [ctx.userContent], tools: [] },
      { stream: false, signal: ctx.signal },
    )) {
      reply = createEvent({ content: response.content! });
    }
    ctx.state.set('user:plan', 'pro');
    ctx.state.set('last_quote', textOf(reply!.content));
    ctx.state.set('temp:draft', 'scratch');
    yield reply!;
  });
}

/** Triage reads the temp: note it wrote itself, then hands over to billing. */
function triageAgent(billing: Agent): Agent {
  return agent(
    'triage',
    async function* (ctx) {
      ctx.state.set('temp:route', 'billing');
      yield createEvent({ content: { role: 'model', parts: [{ text: 'Let me get billing.' }] } });
      yield createEvent({ actions: { transferToAgent: String(ctx.state.get('temp:route')) } });
    },
    [billing],
  );
}

describe('Runner over PostgresSessionService', () => {
  const services: PostgresSessionService[] = [];
  const service = (): PostgresSessionService => {
    const created = new PostgresSessionService({ connectionString, schema });
    services.push(created);
    return created;
  };

  beforeAll(async () => {
    await service().migrate();
  });

  afterAll(async () => {
    for (const created of services) await created.close();
    const pool = new pg.Pool({ connectionString });
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('stores a multi-agent turn with a transfer, and routes the next turn to the agent that answered', async () => {
    const model = new ScriptedModel([
      'The pro plan costs 20 EUR a month.',
      'Yes, you can cancel any time.',
    ]);
    const runner = new Runner({
      appName: APP,
      agent: triageAgent(billingAgent(model)),
      sessionService: service(),
    });

    const first = await lastValueFrom(
      runner.run('alice', 'ticket-1', userContent('How much is the pro plan?')).pipe(toArray()),
    );
    expect(first.map((event) => event.author)).toEqual(['triage', 'triage', 'billing']);
    expect(first[1]!.actions.transferToAgent).toBe('billing');
    expect(first[2]!.actions.stateDelta).toEqual({
      'user:plan': 'pro',
      last_quote: 'The pro plan costs 20 EUR a month.',
    });

    // A second service on its own pool reads what the first wrote, as another process would.
    const reader = service();
    const stored = await reader.getSession({
      appName: APP,
      userId: 'alice',
      sessionId: 'ticket-1',
    });
    expect(stored!.events.map((event) => event.author)).toEqual([
      'user',
      'triage',
      'triage',
      'billing',
    ]);
    expect(stored!.events.slice(1)).toEqual(first);
    expect(stored!.state).toEqual({
      'user:plan': 'pro',
      last_quote: 'The pro plan costs 20 EUR a month.',
    });
    const sibling = await reader.createSession({
      appName: APP,
      userId: 'alice',
      sessionId: 'ticket-2',
    });
    expect(sibling.state).toEqual({ 'user:plan': 'pro' });

    // The next message goes straight to billing, loaded from the database by a new Runner.
    const again = new Runner({
      appName: APP,
      agent: triageAgent(billingAgent(model)),
      sessionService: reader,
    });
    const second = await lastValueFrom(
      again.run('alice', 'ticket-1', userContent('Can I cancel later?')).pipe(toArray()),
    );
    expect(second.map((event) => [event.author, textOf(event.content)])).toEqual([
      ['billing', 'Yes, you can cancel any time.'],
    ]);
    const after = await reader.getSession({ appName: APP, userId: 'alice', sessionId: 'ticket-1' });
    expect(after!.events).toHaveLength(6);
    expect(after!.events.every((event) => !('temp:draft' in event.actions.stateDelta))).toBe(true);
  });

  it('surfaces StaleSessionError when two processes run the same session at once', async () => {
    let arrived = 0;
    let releaseBoth!: () => void;
    const bothLoaded = new Promise<void>((resolve) => (releaseBoth = resolve));
    // Holds each run after it loaded the session, until both have: their appends then race.
    const barrier: Plugin = {
      name: 'barrier',
      onUserMessage: async () => {
        arrived += 1;
        if (arrived === 2) releaseBoth();
        await bothLoaded;
      },
    };
    const echo = (): Agent =>
      agent('echo', async function* () {
        yield createEvent({ content: { role: 'model', parts: [{ text: 'echo' }] } });
      });
    const setup = service();
    await setup.createSession({ appName: APP, userId: 'bob', sessionId: 'shared' });
    const runners = [service(), service()].map(
      (sessionService) =>
        new Runner({ appName: APP, agent: echo(), sessionService, plugins: [barrier] }),
    );
    const outcomes = await Promise.allSettled(
      runners.map((runner) =>
        lastValueFrom(runner.run('bob', 'shared', userContent('hi')).pipe(toArray())),
      ),
    );
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failures).toHaveLength(1);
    expect(StaleSessionError.isInstance((failures[0] as PromiseRejectedResult).reason)).toBe(true);
    const stored = await setup.getSession({ appName: APP, userId: 'bob', sessionId: 'shared' });
    expect(stored!.events.map((event) => event.author)).toEqual(['user', 'echo']);
  });
});
