import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  PluginError,
  modelContent,
  userContent,
  type Plugin,
} from '@ferrite/core';
import { runToArray } from '../index.js';
import { TestAgent, collect, makeRunner, say } from '../testing/runner-fixtures.js';

describe('plugins', () => {
  it('are called beforeRun, onUserMessage, onEvent, afterRun, in registration order', async () => {
    const calls: string[] = [];
    const plugin = (name: string): Plugin => ({
      name,
      beforeRun: () => void calls.push(`${name}.beforeRun`),
      onUserMessage: () => void calls.push(`${name}.onUserMessage`),
      onEvent: (_ctx, event) =>
        void calls.push(`${name}.onEvent:${event.content!.parts[0]!.text!}`),
      afterRun: () => void calls.push(`${name}.afterRun`),
    });
    const agent = new TestAgent('root', () => (calls.push('agent'), [say('x'), say('y')]));
    const { runner } = makeRunner(agent, { plugins: [plugin('p1'), plugin('p2')] });
    await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(calls).toEqual([
      'p1.beforeRun',
      'p2.beforeRun',
      'p1.onUserMessage',
      'p2.onUserMessage',
      'agent',
      'p1.onEvent:x',
      'p2.onEvent:x',
      'p1.onEvent:y',
      'p2.onEvent:y',
      'p1.afterRun',
      'p2.afterRun',
    ]);
  });

  it('onUserMessage replaces the stored message and onEvent the event, keeping its identity', async () => {
    let seenByAgent = '';
    const agent = new TestAgent('root', (ctx) => {
      seenByAgent = ctx.userContent.parts[0]!.text!;
      return [say('secret 1234')];
    });
    const redact: Plugin = {
      name: 'redact',
      onUserMessage: async (_ctx, message) => ({
        ...message,
        parts: [{ text: message.parts[0]!.text!.toUpperCase() }],
      }),
      onEvent: (_ctx, event) => ({ ...event, id: 'forged', content: modelContent('secret ****') }),
    };
    const shout: Plugin = {
      name: 'shout',
      onUserMessage: (_ctx, message) => ({
        ...message,
        parts: [{ text: `${message.parts[0]!.text!}!` }],
      }),
    };
    const { runner, stored } = makeRunner(agent, { plugins: [redact, shout] });
    const [event] = await runToArray(runner.run('u1', 's1', userContent('hello')));
    expect(seenByAgent).toBe('HELLO!');
    expect(event!.content!.parts[0]!.text).toBe('secret ****');
    expect(event!.id).not.toBe('forged');
    const events = await stored();
    expect(events[0]!.content!.parts[0]!.text).toBe('HELLO!');
    expect(events[1]).toEqual(event);
  });

  it('beforeRun returning a Content ends the run with one event authored by the root', async () => {
    const helper = new TestAgent('helper');
    const agent = new TestAgent('root', () => [say('should not run')], { subAgents: [helper] });
    const { runner, stored } = makeRunner(agent, {
      plugins: [
        { name: 'gate', beforeRun: () => modelContent('The service is closed today.') },
        {
          name: 'never',
          beforeRun: () => {
            throw new Error('not reached');
          },
        },
      ],
    });
    const emitted = await runToArray(runner.run('u1', 's1', userContent('hi')));
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({
      author: 'root',
      content: { parts: [{ text: 'The service is closed today.' }] },
    });
    expect(agent.contexts).toHaveLength(0);
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'root']);
  });

  it('a failing plugin errors the stream with a PluginError naming the plugin and the hook', async () => {
    const { runner } = makeRunner(new TestAgent('root'), {
      plugins: [{ name: 'broken', afterRun: () => Promise.reject(new Error('plugin down')) }],
    });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.events).toHaveLength(1);
    expect(PluginError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({
      code: 'plugin.error',
      pluginName: 'broken',
      hook: 'afterRun',
      message: "Plugin 'broken' failed in afterRun: plugin down",
    });
  });

  it('types a throw in every run hook, and lets a Ferrite error a plugin throws on purpose through', async () => {
    for (const hook of ['beforeRun', 'onUserMessage', 'onEvent'] as const) {
      const plugin: Plugin = {
        name: `p_${hook}`,
        [hook]: () => {
          throw new TypeError('boom');
        },
      };
      const { runner } = makeRunner(new TestAgent('root'), { plugins: [plugin] });
      const result = await collect(runner.run('u1', 's1', userContent('hi')));
      expect(result.error).toMatchObject({ code: 'plugin.error', pluginName: `p_${hook}`, hook });
    }
    const refusing: Plugin = {
      name: 'refusing',
      onUserMessage: () => {
        throw new InvalidArgumentError('no such thing');
      },
    };
    const { runner } = makeRunner(new TestAgent('root'), { plugins: [refusing] });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(InvalidArgumentError.isInstance(result.error)).toBe(true);
  });
});
