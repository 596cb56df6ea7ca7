import { describe, expect, it } from 'vitest';
import { firstValueFrom, take } from 'rxjs';
import {
  OutputLimitError,
  RunTimeoutError,
  userContent,
  type Event,
  type InvocationContext,
} from '@ferrite/core';
import { ScriptedModel, untilAborted } from '@ferrite/core/testing';
import { runToArray } from '../index.js';
import {
  ModelAgent,
  TestAgent,
  collect,
  makeRunner,
  say,
  transferTo,
} from '../testing/runner-fixtures.js';

const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

describe('streaming modes', () => {
  it("emits partial events in 'sse' mode but never stores them", async () => {
    const model = new ScriptedModel(['Hello there, friend'], { chunkSize: 5 });
    const { runner, stored } = makeRunner(new ModelAgent('root', model));
    const emitted = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(emitted.filter((e) => e.partial).map((e) => e.content!.parts[0]!.text)).toEqual([
      'Hello',
      ' ther',
      'e, fr',
      'iend',
    ]);
    expect(emitted.at(-1)).toMatchObject({ content: { parts: [{ text: 'Hello there, friend' }] } });
    expect(emitted.at(-1)!.partial).toBeFalsy();
    expect((await stored()).map((e) => e.partial ?? false)).toEqual([false, false]);
  });

  it("emits no partial events in 'none' mode", async () => {
    const agent = new TestAgent('root', () => [
      say('Hel', { partial: true }),
      say('lo', { partial: true }),
      say('Hello'),
    ]);
    const { runner, stored } = makeRunner(agent, { runConfig: { streamingMode: 'none' } });
    const emitted = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.partial).toBeFalsy();
    expect(await stored()).toHaveLength(2);
  });
});

describe('cancellation', () => {
  it('aborts the agent at once on unsubscribe, even while its model call hangs, and stores nothing after', async () => {
    let context: InvocationContext | undefined;
    let abortedAt = 0;
    const model = new ScriptedModel([
      'first answer',
      (_request, options) => {
        options.signal.addEventListener('abort', () => (abortedAt = performance.now()));
        return untilAborted(options.signal);
      },
    ]);
    const inner = new ModelAgent('root', model);
    const agent = new TestAgent('root', async function* (ctx) {
      context = ctx;
      yield* inner.turn(ctx) as AsyncIterable<Event>;
      yield* inner.turn(ctx) as AsyncIterable<Event>;
      yield say('after the hang');
    });
    const { runner, stored } = makeRunner(agent, { runConfig: { streamingMode: 'none' } });
    const received: Event[] = [];
    let errored = false;
    let completed = false;
    const subscription = runner.run('u1', 's1', userContent('hi')).subscribe({
      next: (event) => received.push(event),
      error: () => (errored = true),
      complete: () => (completed = true),
    });
    while (received.length < 1) await tick(5);
    await tick(20);
    subscription.unsubscribe();
    // The abort reaches the hanging model call synchronously, inside unsubscribe().
    expect(context!.signal.aborted).toBe(true);
    expect(abortedAt).toBeGreaterThan(0);
    await tick(50);
    expect(received).toHaveLength(1);
    expect(errored).toBe(false);
    expect(completed).toBe(false);
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'root']);
    expect(runner.isRunning('u1', 's1')).toBe(false);
  });

  it('cancels when the consumer takes fewer events than the agent produces', async () => {
    let context: InvocationContext | undefined;
    const agent = new TestAgent('root', async function* (ctx) {
      context = ctx;
      yield say('one');
      yield say('two');
      await untilAborted(ctx.signal);
    });
    const { runner, stored } = makeRunner(agent);
    const first = await firstValueFrom(runner.run('u1', 's1', userContent('hi')).pipe(take(1)));
    expect(first.content!.parts[0]!.text).toBe('one');
    expect(context!.signal.aborted).toBe(true);
    await tick(20);
    expect((await stored()).map((e) => e.content?.parts[0]?.text)).toEqual(['hi', 'one']);
  });

  it('breaking out of runAsync cancels the run', async () => {
    let context: InvocationContext | undefined;
    const agent = new TestAgent('root', async function* (ctx) {
      context = ctx;
      yield say('one');
      await untilAborted(ctx.signal);
    });
    const { runner } = makeRunner(agent);
    for await (const event of runner.runAsync('u1', 's1', userContent('hi'))) {
      expect(event.content!.parts[0]!.text).toBe('one');
      break;
    }
    expect(context!.signal.aborted).toBe(true);
    await tick(5);
    expect(runner.isRunning('u1', 's1')).toBe(false);
  });
});

describe('guards', () => {
  it('maxDurationMs errors with RunTimeoutError and keeps what was stored', async () => {
    const agent = new TestAgent('root', async function* (ctx) {
      yield say('quick');
      await untilAborted(ctx.signal);
    });
    const { runner, stored } = makeRunner(agent, { runConfig: { maxDurationMs: 200 } });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(RunTimeoutError.isInstance(result.error)).toBe(true);
    expect(result.events).toHaveLength(1);
    expect(await stored()).toHaveLength(2);
  });

  it('maxDurationMs stops an agent that ignores the signal', async () => {
    const agent = new TestAgent('root', async function* () {
      await new Promise(() => undefined);
      yield say('never');
    });
    const { runner } = makeRunner(agent, { runConfig: { maxDurationMs: 30 } });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.error).toBeInstanceOf(RunTimeoutError);
  });

  it('outputCharLimit neither stores nor emits the event that would cross it', async () => {
    const agent = new TestAgent('root', () => [
      say('12345'),
      say('thinking hard about this', {
        content: {
          role: 'model',
          parts: [{ text: 'long thought that does not count', thought: true }, { text: '678' }],
        },
      }),
      say('90ab'),
      say('never'),
    ]);
    const { runner, stored } = makeRunner(agent, { runConfig: { outputCharLimit: 10 } });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(OutputLimitError.isInstance(result.error)).toBe(true);
    expect(result.events).toHaveLength(2);
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'root', 'root']);
  });

  it('does not count queue time (or time before the agent starts) against maxDurationMs', async () => {
    const agent = new TestAgent('root', () => [say('done')]);
    // The first run holds the session for 400 ms before its agent starts; the second waits
    // that long in the queue. Neither may count against a 150 ms limit.
    const { runner } = makeRunner(agent, {
      runConfig: { maxDurationMs: 150 },
      plugins: [
        {
          name: 'slow-start',
          onUserMessage: async (_ctx, message) => {
            if (message.parts[0]!.text === 'slow') await tick(400);
          },
        },
      ],
    });
    const results = await Promise.all([
      collect(runner.run('u1', 's1', userContent('slow'))),
      collect(runner.run('u1', 's1', userContent('queued'))),
    ]);
    expect(results.map((r) => [r.completed, r.error])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
  });
});

describe('endInvocation and interrupt', () => {
  it('endInvocation takes no more events after the current one and runs no transfer', async () => {
    const next = new TestAgent('next');
    const agent = new TestAgent(
      'root',
      async function* (ctx) {
        yield say('one');
        ctx.endInvocation();
        yield transferTo('next');
        yield say('never');
      },
      { subAgents: [next] },
    );
    const { runner, stored } = makeRunner(agent);
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.completed).toBe(true);
    expect(
      result.events.map((e) => e.actions.transferToAgent ?? e.content?.parts[0]?.text),
    ).toEqual(['one', 'next']);
    expect(next.contexts).toHaveLength(0);
    expect(await stored()).toHaveLength(3);
  });

  it('interrupt stops the running invocation; its stream completes with what was stored', async () => {
    const agent = new TestAgent('root', async function* (ctx) {
      yield say('partial work');
      await untilAborted(ctx.signal);
      yield say('never');
    });
    const { runner, stored } = makeRunner(agent);
    expect(await runner.interrupt('u1', 's1')).toBe(false);
    const pending = collect(runner.run('u1', 's1', userContent('hi')));
    expect(runner.isRunning('u1', 's1')).toBe(true);
    while ((await stored()).length < 2) await tick(5);
    expect(await runner.interrupt('u1', 's1')).toBe(true);
    const result = await pending;
    expect(result.completed).toBe(true);
    expect(result.events).toHaveLength(1);
    expect(await stored()).toHaveLength(2);
    expect(runner.isRunning('u1', 's1')).toBe(false);
  });
});
