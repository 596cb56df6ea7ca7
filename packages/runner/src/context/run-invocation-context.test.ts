import { describe, expect, it } from 'vitest';
import { createEvent, userContent, type InvocationContext } from '@ferrite/core';
import { runToArray } from '../index.js';
import { TestAgent, makeRunner, say, transferTo } from '../testing/runner-fixtures.js';

describe('state through the invocation context', () => {
  it('sends app:, user:, session and temp: writes to the right tiers', async () => {
    let tempSeenByLater: unknown;
    const later = new TestAgent('later', (ctx) => {
      tempSeenByLater = ctx.state.get('temp:scratch');
      return [say('later done')];
    });
    const root = new TestAgent(
      'root',
      (ctx) => {
        ctx.state.set('app:motd', 'hello all');
        ctx.state.set('user:name', 'Ana');
        ctx.state.set('topic', 'cats');
        ctx.state.set('temp:scratch', 42);
        return [say('noted'), transferTo('later')];
      },
      { subAgents: [later] },
    );
    const { runner, sessions, stored } = makeRunner(root);
    await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(tempSeenByLater).toBe(42);

    const noted = (await stored())[1]!;
    expect(noted.actions.stateDelta).toEqual({
      'app:motd': 'hello all',
      'user:name': 'Ana',
      topic: 'cats',
    });
    const same = await sessions.getSession({ appName: 'test_app', userId: 'u1', sessionId: 's1' });
    expect(same!.state).toMatchObject({
      'app:motd': 'hello all',
      'user:name': 'Ana',
      topic: 'cats',
    });
    expect(same!.state).not.toHaveProperty('temp:scratch');

    const otherSession = await sessions.createSession({
      appName: 'test_app',
      userId: 'u1',
      sessionId: 's2',
    });
    expect(otherSession.state).toEqual({ 'app:motd': 'hello all', 'user:name': 'Ana' });
    const otherUser = await sessions.createSession({
      appName: 'test_app',
      userId: 'u2',
      sessionId: 's1',
    });
    expect(otherUser.state).toEqual({ 'app:motd': 'hello all' });
  });

  it('reads its own writes at once and the live state after each stored event', async () => {
    const reads: unknown[] = [];
    const root = new TestAgent('root', async function* (ctx) {
      ctx.state.set('count', 1);
      reads.push(ctx.state.get('count'), ctx.state.has('count'), ctx.state.toObject());
      yield say('one');
      reads.push(ctx.session.state.count);
      yield say('two', { actions: { stateDelta: { count: 2 } } });
      reads.push(ctx.state.get('count'));
    });
    const { runner } = makeRunner(root);
    const events = await runToArray(
      runner.run('u1', 's1', userContent('hi'), { stateDelta: { seed: true } }),
    );
    expect(reads).toEqual([1, true, { seed: true, count: 1 }, 1, 2]);
    // The write went with the first event only; nothing was left pending for the second.
    expect(events.map((e) => e.actions.stateDelta)).toEqual([{ count: 1 }, { count: 2 }]);
  });

  it("merges pending writes into the agent's event, the event's explicit delta winning", async () => {
    const root = new TestAgent('root', (ctx) => {
      ctx.state.set('a', 'pending');
      ctx.state.set('b', 'pending');
      return [say('x', { actions: { stateDelta: { b: 'explicit' } } })];
    });
    const { runner } = makeRunner(root);
    const [event] = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(event!.actions.stateDelta).toEqual({ a: 'pending', b: 'explicit' });
  });

  it('stores writes made after the last event in one closing event', async () => {
    const root = new TestAgent('root', async function* (ctx) {
      yield say('answer');
      ctx.state.set('summary', 'done');
      ctx.state.set('temp:only', 1);
    });
    const { runner, stored } = makeRunner(root);
    const emitted = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(emitted).toHaveLength(2);
    expect(emitted[1]).toMatchObject({
      author: 'root',
      actions: { stateDelta: { summary: 'done' } },
    });
    expect(emitted[1]!.content).toBeUndefined();
    expect((await stored()).at(-1)!.actions.stateDelta).toEqual({ summary: 'done' });
  });

  it('keeps the pending writes of parallel branches apart', async () => {
    const left = new TestAgent('left');
    const right = new TestAgent('right');
    const root = new TestAgent(
      'root',
      async function* (ctx) {
        const l = ctx.withAgent(left, { branch: 'root.left' });
        const r = ctx.withAgent(right, { branch: 'root.right' });
        l.state.set('left', 1);
        r.state.set('right', 2);
        expect(l.invocationId).toBe(ctx.invocationId);
        expect(l.signal).toBe(ctx.signal);
        expect(l.branch).toBe('root.left');
        expect(l.agent).toBe(left);
        expect(ctx.withAgent(left, { branch: 'root.left' })).toBe(l);
        yield createEvent({
          author: 'right',
          branch: 'root.right',
          content: { role: 'model', parts: [{ text: 'r' }] },
        });
        yield createEvent({ author: 'left', branch: 'root.left' });
      },
      { subAgents: [left, right] },
    );
    const { runner } = makeRunner(root);
    const events = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(events.map((e) => [e.author, e.actions.stateDelta])).toEqual([
      ['right', { right: 2 }],
      ['left', { left: 1 }],
    ]);
  });

  it('counts model calls across all agents of the invocation', async () => {
    const calls: string[] = [];
    const second = new TestAgent('second', (ctx) => {
      ctx.countModelCall();
      calls.push('second');
      try {
        ctx.countModelCall();
      } catch (error) {
        calls.push((error as { code: string }).code);
        throw error;
      }
      return [];
    });
    const first = new TestAgent(
      'first',
      (ctx) => {
        ctx.countModelCall();
        calls.push('first');
        return [transferTo('second')];
      },
      { subAgents: [second] },
    );
    const { runner } = makeRunner(first, { runConfig: { maxTurns: 2 } });
    await expect(runToArray(runner.run('u1', 's1', userContent('hi')))).rejects.toMatchObject({
      code: 'run.max_turns',
    });
    expect(calls).toEqual(['first', 'second', 'run.max_turns']);
  });

  it('with maxTurns 0 the first model call throws MaxTurnsExceededError', async () => {
    const root = new TestAgent('root', (ctx) => {
      ctx.countModelCall();
      return [say('unreachable')];
    });
    const { runner, stored } = makeRunner(root, { runConfig: { maxTurns: 0 } });
    await expect(runToArray(runner.run('u1', 's1', userContent('hi')))).rejects.toMatchObject({
      code: 'run.max_turns',
    });
    expect(await stored()).toHaveLength(1);
  });

  it('records artifacts saved through the context in artifactDelta', async () => {
    const root = new TestAgent('root', async function* (ctx) {
      const v0 = await ctx.artifacts!.save('report.txt', { text: 'draft' });
      const v1 = await ctx.artifacts!.save('report.txt', { text: 'final' });
      await ctx.artifacts!.save('user:avatar.png', {
        inlineData: { mimeType: 'image/png', data: 'AAAA' },
      });
      expect([v0, v1]).toEqual([0, 1]);
      yield say('saved');
      expect(await ctx.artifacts!.load('report.txt')).toEqual({ text: 'final' });
      expect(await ctx.artifacts!.versions('report.txt')).toEqual([0, 1]);
      expect(await ctx.artifacts!.list()).toEqual(['report.txt', 'user:avatar.png']);
    });
    const { runner, artifacts } = makeRunner(root);
    const [event] = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(event!.actions.artifactDelta).toEqual({ 'report.txt': 1, 'user:avatar.png': 0 });
    expect(
      await artifacts.loadArtifact({
        appName: 'test_app',
        userId: 'u1',
        sessionId: 's1',
        filename: 'report.txt',
        version: 0,
      }),
    ).toEqual({ text: 'draft' });
  });

  it('preloads memories for the message with memoryTopK and offers search', async () => {
    let context: InvocationContext | undefined;
    const root = new TestAgent('root', (ctx) => {
      context = ctx;
      return [say('ok')];
    });
    const { runner, memory, sessions } = makeRunner(root, {
      memory: true,
      runConfig: { memoryTopK: 2 },
    });
    const past = await sessions.createSession({
      appName: 'test_app',
      userId: 'u1',
      sessionId: 'old',
    });
    for (const text of [
      'my cat is called Tom',
      'the cat likes fish',
      'a cat and a dog',
      'weather is nice',
    ]) {
      await sessions.appendEvent({
        session: past,
        event: createEvent({ author: 'user', content: userContent(text) }),
      });
    }
    await memory.addSessionToMemory(past);
    await runToArray(runner.run('u1', 's1', userContent('what is my cat called?')));
    expect(context!.memories).toHaveLength(2);
    expect(context!.memories[0]!.content.parts[0]!.text).toBe('my cat is called Tom');
    expect(await context!.memory!.search('weather')).toHaveLength(1);
  });

  it('has no memories and no memory search without a memory service', async () => {
    let context: InvocationContext | undefined;
    const { runner } = makeRunner(new TestAgent('root', (ctx) => ((context = ctx), [say('ok')])));
    await runToArray(runner.run('u1', 's1', userContent('cat')));
    expect(context!.memories).toEqual([]);
    expect(context!.memory).toBeUndefined();
  });
});

describe('writes of child contexts', () => {
  it('stores what a child context wrote after its last event in a closing event of the child', async () => {
    const child = new TestAgent('child');
    const later = new TestAgent('later', (ctx) => [say(String(ctx.state.get('temp:child_note')))]);
    const root = new TestAgent(
      'root',
      async function* (ctx) {
        const inner = ctx.withAgent(child, { branch: 'root.child' });
        expect(ctx.withAgent(child).branch).toBeUndefined();
        expect(inner.withAgent(later).branch).toBe('root.child');
        yield createEvent({
          author: 'child',
          branch: 'root.child',
          content: { role: 'model', parts: [{ text: 'c' }] },
        });
        inner.state.set('child_result', 'ok');
        inner.state.set('temp:child_note', 'visible later');
        await inner.artifacts!.save('child.txt', { text: 'x' });
        yield transferTo('later');
      },
      { subAgents: [child, later] },
    );
    const { runner, stored } = makeRunner(root);
    const events = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(events.map((e) => [e.author, e.branch ?? null])).toEqual([
      ['child', 'root.child'],
      ['root', null],
      ['child', 'root.child'],
      ['later', null],
    ]);
    expect(events[2]!.actions).toMatchObject({
      stateDelta: { child_result: 'ok' },
      artifactDelta: { 'child.txt': 0 },
    });
    expect(events[3]!.content!.parts[0]!.text).toBe('visible later');
    expect((await stored()).every((e) => !('temp:child_note' in e.actions.stateDelta))).toBe(true);
  });
});

describe('leftover writes', () => {
  it('puts a last write that is only a temp: key into the live state, with no extra event', async () => {
    let seenByLater: unknown;
    const later = new TestAgent('later', (ctx) => {
      seenByLater = ctx.state.get('temp:handoff');
      return [say('later done')];
    });
    const first = new TestAgent(
      'first',
      async function* (ctx) {
        yield say('first done');
        yield transferTo('later');
        ctx.state.set('temp:handoff', { step: 2 });
      },
      { subAgents: [later] },
    );
    const { runner, stored } = makeRunner(first);
    const emitted = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(seenByLater).toEqual({ step: 2 });
    expect(emitted.map((e) => e.author)).toEqual(['first', 'first', 'later']);
    const events = await stored();
    expect(events.map((e) => e.author)).toEqual(['user', 'first', 'first', 'later']);
    expect(events.every((e) => !('temp:handoff' in e.actions.stateDelta))).toBe(true);
  });
});
