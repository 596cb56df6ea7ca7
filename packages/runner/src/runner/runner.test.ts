import { describe, expect, it } from 'vitest';
import {
  FerriteError,
  InvalidArgumentError,
  SessionNotFoundError,
  StaleSessionError,
  userContent,
  type Agent,
  type Content,
  type Event,
  type Part,
} from '@ferrite/core';
import type { Observable } from 'rxjs';
import { Runner, runToArray } from '../index.js';
import {
  InMemorySessionService,
  TestAgent,
  collect,
  makeRunner,
  say,
} from '../testing/runner-fixtures.js';

/** An object nested `depth` levels deep, deeper than JSON.stringify can recurse. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < depth; i += 1) value = { value };
  return value;
}

describe('Runner constructor', () => {
  const sessionService = new InMemorySessionService();

  it('rejects an invalid appName and names it', () => {
    const agent = new TestAgent('root');
    expect(() => new Runner({ appName: '', agent, sessionService })).toThrow(InvalidArgumentError);
    expect(() => new Runner({ appName: 'a/b', agent, sessionService })).toThrow(/appName/);
  });

  it('rejects two agents with the same name, naming it', () => {
    const agent = new TestAgent('root', undefined, {
      subAgents: [
        new TestAgent('helper'),
        new TestAgent('other', undefined, { subAgents: [new TestAgent('helper')] }),
      ],
    });
    expect(() => new Runner({ appName: 'app', agent, sessionService })).toThrow(/'helper'/);
  });

  it('checks every agent name in the tree with validateAgentName', () => {
    // A hand-written agent bypasses the constructors' checks; the tree still refuses a dotted
    // name (it would make a parallel branch path ambiguous), `user` and an empty name.
    for (const bad of ['a.b', 'user', '']) {
      const agent = new TestAgent('root', undefined, { subAgents: [new TestAgent(bad)] });
      const attempt = () => new Runner({ appName: 'app', agent, sessionService });
      expect(attempt).toThrow(InvalidArgumentError);
      expect(attempt).toThrow(/a sub-agent of 'root': Invalid agent name/);
    }
  });

  it('rejects an agent that appears twice in the tree', () => {
    const shared = new TestAgent('shared');
    const agent = new TestAgent('root', undefined, {
      subAgents: [
        new TestAgent('a', undefined, { subAgents: [shared] }),
        new TestAgent('b', undefined, { subAgents: [shared] }),
      ],
    });
    const attempt = () => new Runner({ appName: 'app', agent, sessionService });
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(/'shared' appears twice/);
  });

  it('sets parentAgent links and exposes its services and resolved run config', () => {
    const leaf = new TestAgent('leaf');
    const middle = new TestAgent('middle', undefined, { subAgents: [leaf] });
    const root = new TestAgent('root', undefined, { subAgents: [middle] });
    const runner = new Runner({
      appName: 'app',
      agent: root,
      sessionService,
      runConfig: { maxTurns: 3 },
    });
    expect(leaf.parentAgent).toBe(middle);
    expect(middle.parentAgent).toBe(root);
    expect(runner.appName).toBe('app');
    expect(runner.agent).toBe(root);
    expect(runner.sessionService).toBe(sessionService);
    expect(runner.artifactService).toBeUndefined();
    expect(runner.runConfig).toMatchObject({ maxTurns: 3, maxTransfers: 10, streamingMode: 'sse' });
  });

  it('rejects an invalid run config', () => {
    expect(
      () =>
        new Runner({
          appName: 'app',
          agent: new TestAgent('root'),
          sessionService,
          runConfig: { maxTurns: -1 },
        }),
    ).toThrow(InvalidArgumentError);
  });
});

describe('Runner.run', () => {
  it('is cold: nothing happens before subscription', async () => {
    const agent = new TestAgent('root');
    const { runner, stored } = makeRunner(agent);
    runner.run('u1', 's1', userContent('hi'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(agent.contexts).toHaveLength(0);
    expect(await stored()).toEqual([]);
  });

  it('emits N agent events, stores 1+N with the user event first, and emits the stored objects', async () => {
    const agent = new TestAgent('root', () => [say('one'), say('two'), say('three')]);
    const { runner, stored } = makeRunner(agent);
    const emitted = await runToArray(runner.run('u1', 's1', userContent('hello')));
    expect(emitted.map((e) => e.content?.parts[0]?.text)).toEqual(['one', 'two', 'three']);
    const events = await stored();
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({
      author: 'user',
      content: { role: 'user', parts: [{ text: 'hello' }] },
    });
    expect(events.slice(1)).toEqual(emitted);
    expect(Object.isFrozen(emitted[0])).toBe(true);
  });

  it('fills defaults: id, invocationId, author, timestamp and actions', async () => {
    const agent = new TestAgent('root', () => [
      { content: { role: 'model', parts: [{ text: 'x' }] } } as never,
    ]);
    const { runner, stored } = makeRunner(agent);
    const [event] = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(event).toMatchObject({ author: 'root', actions: { stateDelta: {}, artifactDelta: {} } });
    expect(event!.id).toMatch(/\S/);
    expect(event!.timestamp).toBeGreaterThan(0);
    const [user] = await stored();
    expect(event!.invocationId).toBe(user!.invocationId);
    expect(event!.invocationId).toMatch(/\S/);
    expect(agent.contexts[0]!.invocationId).toBe(event!.invocationId);
  });

  it('gives each invocation a new invocationId', async () => {
    const { runner } = makeRunner(new TestAgent('root'));
    const [first] = await runToArray(runner.run('u1', 's1', userContent('a')));
    const [second] = await runToArray(runner.run('u1', 's1', userContent('b')));
    expect(first!.invocationId).not.toBe(second!.invocationId);
  });

  it('stores the stateDelta of the options on the user event', async () => {
    const agent = new TestAgent('root', (ctx) => [say(String(ctx.state.get('topic')))]);
    const { runner, stored, sessions } = makeRunner(agent);
    const [reply] = await runToArray(
      runner.run('u1', 's1', userContent('hi'), { stateDelta: { topic: 'cats' } }),
    );
    expect(reply!.content?.parts[0]?.text).toBe('cats');
    expect((await stored())[0]!.actions.stateDelta).toEqual({ topic: 'cats' });
    const session = await sessions.getSession({
      appName: 'test_app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(session!.state.topic).toBe('cats');
  });

  it('errors the stream (without throwing) for a message with no parts and stores nothing', async () => {
    const { runner, stored, sessions } = makeRunner(new TestAgent('root'));
    let observable: Observable<Event> | undefined;
    expect(() => {
      observable = runner.run('u1', 's1', { role: 'user', parts: [] });
    }).not.toThrow();
    const result = await collect(observable!);
    expect(InvalidArgumentError.isInstance(result.error)).toBe(true);
    expect(await stored()).toEqual([]);
    expect(
      await sessions.getSession({ appName: 'test_app', userId: 'u1', sessionId: 's1' }),
    ).toBeUndefined();
  });

  it.each([
    ['a part with no data', { role: 'user', parts: [{}] }, undefined],
    ['a text that is not a string', { role: 'user', parts: [{ text: 5 }] }, undefined],
    [
      'a message JSON cannot hold',
      { role: 'user', parts: [{ text: 'hi', extra: 10n }] },
      undefined,
    ],
    [
      'a message JSON cannot hold beside its text parts',
      { role: 'user', parts: [{ text: 'hi' }], extra: 10n },
      undefined,
    ],
    [
      'a text part whose toJSON fails',
      {
        role: 'user',
        parts: [
          Object.assign(Object.create({ toJSON: () => 10n }) as object, { text: 'hi' }) as Part,
        ],
      },
      undefined,
    ],
    ['a state delta JSON cannot hold', userContent('hi'), { deep: nested(100_000) }],
  ])('refuses %s before creating the session', async (_label, message, stateDelta) => {
    const { runner, sessions } = makeRunner(new TestAgent('root'));
    const result = await collect(
      runner.run('u1', 's1', message as Content, stateDelta === undefined ? {} : { stateDelta }),
    );
    expect(InvalidArgumentError.isInstance(result.error)).toBe(true);
    expect(
      await sessions.getSession({ appName: 'test_app', userId: 'u1', sessionId: 's1' }),
    ).toBeUndefined();
  });

  it('lets temp: state hold what JSON cannot, since it is never stored', async () => {
    const { runner, stored } = makeRunner(new TestAgent('root', () => [say('ok')]));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const result = await collect(
      runner.run('u1', 's1', userContent('hi'), { stateDelta: { 'temp:handle': cyclic } }),
    );
    expect(result.error).toBeUndefined();
    expect((await stored()).map((event) => event.author)).toEqual(['user', 'root']);
  });

  it('errors the stream for invalid ids', async () => {
    const { runner } = makeRunner(new TestAgent('root'));
    const badUser = await collect(runner.run('bad user', 's1', userContent('hi')));
    expect(InvalidArgumentError.isInstance(badUser.error)).toBe(true);
    const badSession = await collect(runner.run('u1', '..', userContent('hi')));
    expect((badSession.error as Error).message).toMatch(/sessionId/);
  });

  it('errors with SessionNotFoundError when autoCreateSession is off', async () => {
    const { runner, sessions } = makeRunner(new TestAgent('root'), {
      runConfig: { autoCreateSession: false },
    });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(SessionNotFoundError.isInstance(result.error)).toBe(true);
    await sessions.createSession({ appName: 'test_app', userId: 'u1', sessionId: 's1' });
    expect(await runToArray(runner.run('u1', 's1', userContent('hi')))).toHaveLength(1);
  });

  it('loads only historyLimit events', async () => {
    const seen: number[] = [];
    const agent = new TestAgent('root', (ctx) => {
      seen.push(ctx.session.events.length);
      return [say('ok')];
    });
    const { runner } = makeRunner(agent, { runConfig: { historyLimit: 3 } });
    for (let turn = 0; turn < 4; turn += 1)
      await runToArray(runner.run('u1', 's1', userContent('hi')));
    // the agent sees the loaded history plus the user event just appended
    expect(seen).toEqual([1, 3, 4, 4]);
  });

  it('errors with a FerriteError when the agent throws, keeping stored events', async () => {
    const agent = new TestAgent('root', async function* () {
      yield say('before');
      throw new Error('boom');
    });
    const { runner, stored } = makeRunner(agent);
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.events).toHaveLength(1);
    expect(FerriteError.isInstance(result.error)).toBe(true);
    expect((result.error as FerriteError).code).toBe('internal');
    expect(((result.error as FerriteError).cause as Error).message).toBe('boom');
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'root']);
  });

  it('passes a FerriteError thrown by an agent through as is', async () => {
    const failure = new InvalidArgumentError('bad tool input');
    const agent: Agent = new TestAgent('root', () => {
      throw failure;
    });
    const { runner } = makeRunner(agent);
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.error).toBe(failure);
  });

  it('errors with a FerriteError when the session store fails mid-run, keeping what was stored', async () => {
    const agent = new TestAgent('root', () => [say('one'), say('two'), say('three')]);
    const { runner, sessions, stored } = makeRunner(agent);
    const append = sessions.appendEvent.bind(sessions);
    let calls = 0;
    sessions.appendEvent = async (options) => {
      calls += 1;
      if (calls === 3) throw new Error('disk full');
      if (calls === 5) throw new StaleSessionError('someone else wrote first');
      return append(options);
    };
    const first = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(first.events).toHaveLength(1);
    expect(first.error).toMatchObject({ code: 'internal', message: 'disk full' });
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'root']);
    const second = await collect(runner.run('u1', 's1', userContent('again')));
    expect(StaleSessionError.isInstance(second.error)).toBe(true);
    expect((second.error as Error).message).toBe('someone else wrote first');
  });

  it('accepts agents returning Observables, promises and sync arrays', async () => {
    const { of } = await import('rxjs');
    const agents = [
      new TestAgent('obs', () => of(say('a'), say('b'))),
      new TestAgent('promise', () => Promise.resolve(say('c'))),
    ];
    for (const agent of agents) {
      const { runner, stored } = makeRunner(agent);
      const emitted = await runToArray(runner.run('u1', 's1', userContent('hi')));
      expect((await stored()).slice(1)).toEqual(emitted);
      expect(emitted.length).toBeGreaterThan(0);
    }
  });

  it('runAsync iterates the events and runToArray collects them', async () => {
    const { runner } = makeRunner(new TestAgent('root', () => [say('a'), say('b')]));
    const texts: string[] = [];
    for await (const event of runner.runAsync('u1', 's1', userContent('hi')))
      texts.push(event.content!.parts[0]!.text!);
    expect(texts).toEqual(['a', 'b']);
  });
});
