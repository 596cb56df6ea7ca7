import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ModelError,
  PluginError,
  modelContent,
  userContent,
  type Event,
  type Plugin,
} from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { Runner, runToArray } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { LlmAgent, type LlmAgentConfig } from '../llm/llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';
import { calls } from '../testing/run-harness.js';

function setup(agent: LlmAgent, plugins: Plugin[] = [], maxTurns?: number) {
  const sessionService = new InMemorySessionService();
  const runner = new Runner({
    appName: 'app',
    agent,
    sessionService,
    plugins,
    ...(maxTurns === undefined ? {} : { runConfig: { maxTurns } }),
  });
  return {
    send: (text: string) => runToArray(runner.run('u1', 's1', userContent(text))),
    stored: async (): Promise<Event[]> =>
      (await sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))!.events,
  };
}

function agentWith(model: ScriptedModel, config: Partial<LlmAgentConfig> = {}) {
  return new LlmAgent({ name: 'helper', model, ...config });
}

const echoTool = (log: string[] = []) =>
  new FunctionTool({
    name: 'echo',
    description: 'Echoes',
    parameters: z.object({ word: z.string() }),
    execute: ({ word }) => {
      log.push(`echo:${word}`);
      if (word === 'fail') throw new Error('echo broke');
      return { echoed: word };
    },
  });

describe('model callbacks', () => {
  it('a beforeModelCallback that returns a response skips the model call and is not counted', async () => {
    const model = new ScriptedModel([]);
    const agent = agentWith(model, {
      beforeModelCallback: (_context, request) => ({
        content: modelContent(`cached answer to ${request.contents.length} contents`),
      }),
    });
    const events = await setup(agent, [], 0).send('hi');
    expect(model.requests).toHaveLength(0);
    expect(events.map((event) => event.content?.parts[0]?.text)).toEqual([
      'cached answer to 1 contents',
    ]);
  });

  it('runs a list of callbacks in order until one returns a value', async () => {
    const seen: string[] = [];
    const model = new ScriptedModel([]);
    const agent = agentWith(model, {
      beforeModelCallback: [
        () => void seen.push('first'),
        () => (seen.push('second'), { content: modelContent('from second') }),
        () => (seen.push('third'), { content: modelContent('from third') }),
      ],
    });
    const events = await setup(agent).send('hi');
    expect(seen).toEqual(['first', 'second']);
    expect(events[0]!.content!.parts[0]!.text).toBe('from second');
  });

  it('an afterModelCallback replaces the answer, which is what is stored', async () => {
    const model = new ScriptedModel(['The code is 1234.']);
    const agent = agentWith(model, {
      afterModelCallback: (_context, response) => ({
        ...response,
        content: modelContent(response.content!.parts[0]!.text!.replace(/\d/g, '*')),
      }),
    });
    const { send, stored } = setup(agent);
    const events = await send('code?');
    expect(events.at(-1)!.content!.parts[0]!.text).toBe('The code is ****.');
    expect((await stored()).at(-1)!.content!.parts[0]!.text).toBe('The code is ****.');
  });

  it('an onModelErrorCallback answers instead of a failed model; without an answer the error goes on', async () => {
    const rescued = agentWith(new ScriptedModel([new ModelError('provider down')]), {
      onModelErrorCallback: (_context, _request, error) => ({
        content: modelContent(`Sorry (${(error as Error).message}).`),
      }),
    });
    const events = await setup(rescued).send('hi');
    expect(events[0]!.content!.parts[0]!.text).toBe('Sorry (provider down).');

    const declined = agentWith(new ScriptedModel([new ModelError('provider down')]), {
      onModelErrorCallback: () => undefined,
    });
    await expect(setup(declined).send('hi')).rejects.toMatchObject({ code: 'model.error' });
  });

  it('state written by a callback lands in the next stored event', async () => {
    const model = new ScriptedModel(['Done.']);
    const agent = agentWith(model, {
      beforeModelCallback: (context) => {
        context.state.set('calls', (context.state.get<number>('calls') ?? 0) + 1);
      },
      afterModelCallback: (context) => {
        context.state.set('last_agent', context.agentName);
      },
    });
    const { send, stored } = setup(agent);
    await send('hi');
    const answer = (await stored()).at(-1)!;
    expect(answer.author).toBe('helper');
    expect(answer.actions.stateDelta).toEqual({ calls: 1, last_agent: 'helper' });
  });
});

describe('plugin model hooks', () => {
  it('run before the agent callbacks, and a value a plugin returns skips the rest', async () => {
    const order: string[] = [];
    const observer: Plugin = {
      name: 'observer',
      beforeModel: () => void order.push('plugin.beforeModel'),
      afterModel: () => void order.push('plugin.afterModel'),
    };
    const model = new ScriptedModel(['Real answer.']);
    const agent = agentWith(model, {
      beforeModelCallback: () => void order.push('agent.beforeModel'),
      afterModelCallback: () => void order.push('agent.afterModel'),
    });
    await setup(agent, [observer]).send('hi');
    expect(order).toEqual([
      'plugin.beforeModel',
      'agent.beforeModel',
      'plugin.afterModel',
      'agent.afterModel',
    ]);

    order.length = 0;
    const gate: Plugin = {
      name: 'gate',
      beforeModel: () => (order.push('gate'), { content: modelContent('Closed.') }),
    };
    const skipped = new ScriptedModel([]);
    const events = await setup(
      agentWith(skipped, {
        beforeModelCallback: () => void order.push('agent.beforeModel'),
      }),
      [gate],
    ).send('hi');
    expect(order).toEqual(['gate']);
    expect(skipped.requests).toHaveLength(0);
    expect(events[0]!.content!.parts[0]!.text).toBe('Closed.');
  });

  it('a plugin hook that throws fails the run with PluginError naming the plugin and the hook', async () => {
    const broken: Plugin = {
      name: 'broken',
      afterModel: () => {
        throw new Error('oops');
      },
    };
    const error: unknown = await setup(agentWith(new ScriptedModel(['x'])), [broken])
      .send('hi')
      .catch((caught: unknown) => caught);
    expect(PluginError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ pluginName: 'broken', hook: 'afterModel' });
  });
});

describe('tool callbacks', () => {
  it('a beforeToolCallback that returns a result skips the tool; afterToolCallback sees and replaces it', async () => {
    const log: string[] = [];
    const model = new ScriptedModel([calls(['echo', { word: 'hi' }, 'c1']), 'ok']);
    const agent = agentWith(model, {
      tools: [echoTool(log)],
      beforeToolCallback: (tool, args) => ({ fromCache: `${tool.name}:${String(args.word)}` }),
      afterToolCallback: (_tool, _args, _context, result) => ({ ...result, checked: true }),
    });
    await setup(agent).send('go');
    expect(log).toEqual([]);
    expect(model.requests[1]!.contents.at(-1)!.parts[0]!.functionResponse!.response).toEqual({
      fromCache: 'echo:hi',
      checked: true,
    });
  });

  it('an onToolErrorCallback answers instead of a thrown error; state it writes lands in the response event', async () => {
    const model = new ScriptedModel([calls(['echo', { word: 'fail' }, 'c1']), 'ok']);
    const agent = agentWith(model, {
      tools: [echoTool()],
      onToolErrorCallback: (_tool, _args, context, error) => {
        context.state.set('tool_failures', 1);
        return { fallback: (error as Error).message };
      },
    });
    const { send, stored } = setup(agent);
    await send('go');
    const response = (await stored()).find((event) =>
      event.content?.parts.some((part) => part.functionResponse),
    )!;
    expect(response.content!.parts[0]!.functionResponse!.response).toEqual({
      fallback: 'echo broke',
    });
    expect(response.actions.stateDelta).toEqual({ tool_failures: 1 });
  });

  it('plugin tool hooks run before the agent callbacks and short-circuit them', async () => {
    const order: string[] = [];
    const plugin: Plugin = {
      name: 'audit',
      beforeTool: (tool) => void order.push(`plugin.beforeTool:${tool.name}`),
      afterTool: () => ({ audited: true }),
      onToolError: () => void order.push('plugin.onToolError'),
    };
    const model = new ScriptedModel([calls(['echo', { word: 'hi' }, 'c1']), 'ok']);
    const agent = agentWith(model, {
      tools: [echoTool(order)],
      beforeToolCallback: () => void order.push('agent.beforeTool'),
      afterToolCallback: () => (order.push('agent.afterTool'), { never: true }),
    });
    await setup(agent, [plugin]).send('go');
    expect(order).toEqual(['plugin.beforeTool:echo', 'agent.beforeTool', 'echo:hi']);
    expect(model.requests[1]!.contents.at(-1)!.parts[0]!.functionResponse!.response).toEqual({
      audited: true,
    });
  });

  it('a plugin tool hook that throws fails the run instead of going to the model', async () => {
    const plugin: Plugin = {
      name: 'strict',
      beforeTool: () => {
        throw new Error('not allowed');
      },
    };
    const model = new ScriptedModel([calls(['echo', { word: 'hi' }, 'c1']), 'ok']);
    const error: unknown = await setup(agentWith(model, { tools: [echoTool()] }), [plugin])
      .send('go')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'plugin.error', pluginName: 'strict', hook: 'beforeTool' });
    expect(model.requests).toHaveLength(1);
  });
});
