import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidArgumentError,
  MaxTurnsExceededError,
  ModelBehaviorError,
  ToolCallError,
  getFunctionResponses,
  textOf,
  userContent,
  type Event,
  type MemoryService,
  type ModelRequest,
  type Tool,
} from '@ferrite/core';
import { ScriptedModel, abortableDelay, untilAborted } from '@ferrite/core/testing';
import { LlmAgent } from './llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';
import { calls, harness } from '../testing/run-harness.js';

const lastContent = (request: ModelRequest) => request.contents.at(-1)!;

function counterTool(name = 'add', delayMs = 0) {
  const seen: Record<string, unknown>[] = [];
  const tool = new FunctionTool({
    name,
    description: 'Adds two numbers',
    parameters: z.object({ a: z.number(), b: z.number() }),
    execute: async ({ a, b }, context) => {
      seen.push({ a, b });
      if (delayMs > 0) await abortableDelay(delayMs, context.signal);
      return { sum: a + b };
    },
  });
  return { tool, seen };
}

describe('LlmAgent', () => {
  it('answers text with one model call and one stored event', async () => {
    const model = new ScriptedModel(['Hello there.']);
    const h = harness(new LlmAgent({ name: 'assistant', model }));
    const events = await h.send('Hi', { runConfig: { streamingMode: 'none' } });
    expect(model.requests).toHaveLength(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      author: 'assistant',
      content: { role: 'model', parts: [{ text: 'Hello there.' }] },
    });
    expect(model.requests[0]!.contents).toEqual([userContent('Hi')]);
    expect(model.requests[0]!.tools).toEqual([]);
    const session = await h.session();
    expect(session.events.map((e) => e.author)).toEqual(['user', 'assistant']);
  });

  it('runs a tool once and calls the model again with its result', async () => {
    const { tool, seen } = counterTool();
    const model = new ScriptedModel([calls(['add', { a: 2, b: 3 }, 'c1']), 'The sum is 5.']);
    const h = harness(new LlmAgent({ name: 'calc', model, tools: [tool] }));
    const events = await h.send('2+3?', { runConfig: { streamingMode: 'none' } });
    expect(model.requests).toHaveLength(2);
    expect(seen).toEqual([{ a: 2, b: 3 }]);
    expect(events.map((e) => e.content?.parts.map((p) => Object.keys(p)[0]))).toEqual([
      ['functionCall'],
      ['functionResponse'],
      ['text'],
    ]);
    expect(getFunctionResponses(events[1]!)).toEqual([
      { id: 'c1', name: 'add', response: { sum: 5 } },
    ]);
    expect(model.requests[0]!.tools).toEqual([
      {
        name: 'add',
        description: 'Adds two numbers',
        parameters: expect.objectContaining({ type: 'object', required: ['a', 'b'] }),
      },
    ]);
    expect(model.requests[1]!.contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
    expect(lastContent(model.requests[1]!).parts[0]!.functionResponse).toEqual({
      id: 'c1',
      name: 'add',
      response: { sum: 5 },
    });
  });

  it('runs the tools of one response concurrently and answers in call order', async () => {
    let running = 0;
    let peak = 0;
    const slow = (name: string, ms: number) =>
      new FunctionTool({
        name,
        description: name,
        execute: async (_args, context) => {
          running += 1;
          peak = Math.max(peak, running);
          await abortableDelay(ms, context.signal);
          running -= 1;
          return { name };
        },
      });
    const model = new ScriptedModel([calls(['first', {}], ['second', {}]), 'done']);
    const h = harness(
      new LlmAgent({ name: 'agent', model, tools: [slow('first', 120), slow('second', 40)] }),
    );
    const events = await h.send('go');
    expect(peak).toBe(2);
    const responseEvents = events.filter((e) => getFunctionResponses(e).length > 0);
    expect(responseEvents).toHaveLength(1);
    expect(getFunctionResponses(responseEvents[0]!).map((r) => r.name)).toEqual([
      'first',
      'second',
    ]);
  });

  it('returns a thrown tool error to the model as { error }', async () => {
    const tool = new FunctionTool({
      name: 'flaky',
      description: 'fails',
      execute: () => {
        throw new Error('disk full');
      },
    });
    const model = new ScriptedModel([calls(['flaky', {}]), 'Sorry, the disk is full.']);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [tool] }));
    const events = await h.send('save');
    expect(lastContent(model.requests[1]!).parts[0]!.functionResponse!.response).toEqual({
      error: 'disk full',
    });
    expect(textOf(events.at(-1)!.content)).toBe('Sorry, the disk is full.');
  });

  it('fails the run with ToolCallError when the tool asks to', async () => {
    const tool = new FunctionTool({
      name: 'charge',
      description: 'charges',
      failRunOnError: true,
      execute: () => {
        throw new Error('card declined');
      },
    });
    const model = new ScriptedModel([calls(['charge', {}]), 'unused']);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [tool] }));
    const error = await h.send('pay').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolCallError);
    expect(error).toMatchObject({ code: 'tool.error', toolName: 'charge' });
    expect((error as Error).message).toContain('card declined');
    expect(model.requests).toHaveLength(1);
    const session = await h.session();
    expect(session.events.map((e) => e.author)).toEqual(['user', 'agent']);
  });

  it('checks a plain Tool against its JSON Schema, and fails the run when it throws ToolCallError', async () => {
    const executed: unknown[] = [];
    const plain: Tool = {
      name: 'book',
      description: 'books a table',
      parameters: {
        type: 'object',
        properties: { seats: { type: 'integer', minimum: 1 } },
        required: ['seats'],
      },
      execute: async (args) => {
        executed.push(args);
        throw new ToolCallError('book', 'The booking system is down');
      },
    };
    const model = new ScriptedModel([
      calls(['book', { seats: 0 }]),
      calls(['book', { seats: 2 }]),
      'unused',
    ]);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [plain] }));
    const error = await h.send('a table for two').catch((e: unknown) => e);
    expect(
      String(lastContent(model.requests[1]!).parts[0]!.functionResponse!.response.error),
    ).toMatch(/Invalid arguments for tool 'book'.*seats must be >= 1/s);
    expect(executed).toEqual([{ seats: 2 }]);
    expect(ToolCallError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('The booking system is down');
    expect(model.requests).toHaveLength(2);
  });

  it('aborts the other tools of the response when one fails the run', async () => {
    let siblingSignal: AbortSignal | undefined;
    const waiter = new FunctionTool({
      name: 'waiter',
      description: 'waits',
      execute: async (_args, context) => {
        siblingSignal = context.signal;
        await untilAborted(context.signal);
      },
    });
    const breaker = new FunctionTool({
      name: 'breaker',
      description: 'breaks',
      failRunOnError: true,
      execute: async () => {
        await abortableDelay(20);
        throw new Error('broken');
      },
    });
    const model = new ScriptedModel([calls(['waiter', {}], ['breaker', {}])]);
    const error = await harness(new LlmAgent({ name: 'agent', model, tools: [waiter, breaker] }))
      .send('go')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'tool.error', toolName: 'breaker' });
    expect(siblingSignal!.aborted).toBe(true);
  });

  it('ends the turn after a tool result that skips summarisation', async () => {
    const tool = new FunctionTool({
      name: 'final_answer',
      description: 'answers',
      execute: (_args, context) => {
        context.actions.skipSummarization = true;
        return { answer: 42 };
      },
    });
    const model = new ScriptedModel([calls(['final_answer', {}]), 'never asked']);
    const events = await harness(new LlmAgent({ name: 'agent', model, tools: [tool] })).send('go');
    expect(model.requests).toHaveLength(1);
    expect(events.at(-1)!.actions.skipSummarization).toBe(true);
  });

  it('shows the model a validation error instead of running the tool on invalid arguments', async () => {
    const { tool, seen } = counterTool();
    const schemaTool = new FunctionTool({
      name: 'greet',
      description: 'greets',
      parameters: {
        type: 'object',
        properties: { name: { type: 'string' } },
        required: ['name'],
        additionalProperties: false,
      },
      execute: (args) => ({ greeting: `Hi ${String(args.name)}` }),
    });
    const model = new ScriptedModel([
      calls(['add', { a: 'two', b: 3 }], ['greet', { nom: 'x' }]),
      'I will fix my arguments.',
    ]);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [tool, schemaTool] }));
    await h.send('go');
    expect(seen).toEqual([]);
    const [addResponse, greetResponse] = lastContent(model.requests[1]!).parts.map(
      (p) => p.functionResponse!.response,
    );
    expect(String(addResponse!.error)).toMatch(
      /Invalid arguments for tool 'add'.*expected number/s,
    );
    expect(String(greetResponse!.error)).toMatch(/Invalid arguments for tool 'greet'.*name/s);
  });

  it('fails with ModelBehaviorError when the model calls an unknown tool, storing nothing of that answer', async () => {
    const model = new ScriptedModel([calls(['launch_rockets', {}])]);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [counterTool().tool] }));
    const error = await h.send('go').catch((e: unknown) => e);
    expect(ModelBehaviorError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('launch_rockets');
    expect((await h.session()).events.map((e) => e.author)).toEqual(['user']);
  });

  it('allows maxTurns model calls and fails on the next one', async () => {
    const { tool, seen } = counterTool();
    const model = new ScriptedModel([
      calls(['add', { a: 1, b: 1 }]),
      calls(['add', { a: 2, b: 2 }]),
      calls(['add', { a: 3, b: 3 }]),
    ]);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [tool] }));
    const error = await h.send('loop', { runConfig: { maxTurns: 2 } }).catch((e: unknown) => e);
    expect(MaxTurnsExceededError.isInstance(error)).toBe(true);
    expect(model.requests).toHaveLength(2);
    expect(seen).toHaveLength(2);
  });

  it('completes a run that needs exactly maxTurns model calls', async () => {
    const { tool } = counterTool();
    const model = new ScriptedModel([calls(['add', { a: 1, b: 1 }]), 'Two.']);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [tool] }));
    const events = await h.send('1+1?', { runConfig: { maxTurns: 2 } });
    expect(textOf(events.at(-1)!.content)).toBe('Two.');
    expect(model.requests).toHaveLength(2);
  });

  it('counts model calls of every agent of the run against maxTurns', async () => {
    const childModel = new ScriptedModel(['never']);
    const child = new LlmAgent({ name: 'child', model: childModel });
    const rootModel = new ScriptedModel([calls(['transfer_to_agent', { agent_name: 'child' }])]);
    const h = harness(new LlmAgent({ name: 'root', model: rootModel, subAgents: [child] }));
    const error = await h.send('hi', { runConfig: { maxTurns: 1 } }).catch((e: unknown) => e);
    expect(MaxTurnsExceededError.isInstance(error)).toBe(true);
    expect(rootModel.requests).toHaveLength(1);
    expect(childModel.requests).toHaveLength(0);
  });

  it('with maxTurns 0 fails before calling the model', async () => {
    const model = new ScriptedModel(['never']);
    const h = harness(new LlmAgent({ name: 'agent', model }));
    const error = await h.send('hi', { runConfig: { maxTurns: 0 } }).catch((e: unknown) => e);
    expect(MaxTurnsExceededError.isInstance(error)).toBe(true);
    expect(model.requests).toHaveLength(0);
  });

  it('fills the instruction from state, optional keys may be missing', async () => {
    const model = new ScriptedModel(['ok', 'ok']);
    const agent = new LlmAgent({
      name: 'agent',
      model,
      instruction:
        'Help {user:name} ({plan}) at {app:brand}. Mood: {temp:mood?}. Keep {"json": true} and {not a key}.',
    });
    const h = harness(agent);
    await h.sessionService.createSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
      state: { 'user:name': 'Ada', plan: { tier: 'pro' }, 'app:brand': 'Ferrite' },
    });
    await h.send('hi');
    expect(model.requests[0]!.systemInstruction).toBe(
      'Help Ada ({"tier":"pro"}) at Ferrite. Mood: . Keep {"json": true} and {not a key}.',
    );
    await h.send('again', { stateDelta: { 'temp:mood': 'cheerful' } });
    expect(model.requests[1]!.systemInstruction).toContain('Mood: cheerful.');
  });

  it('rejects an instruction that uses a missing state key', async () => {
    const model = new ScriptedModel(['never']);
    const h = harness(new LlmAgent({ name: 'agent', model, instruction: 'Hello {customer}' }));
    const error = await h.send('hi').catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("'customer'");
    expect(model.requests).toHaveLength(0);
  });

  it('accepts an instruction function of the context, used as it is', async () => {
    const model = new ScriptedModel(['ok']);
    const h = harness(
      new LlmAgent({
        name: 'agent',
        model,
        instruction: async (context) => `User ${context.userId} {literal}`,
      }),
    );
    await h.send('hi');
    expect(model.requests[0]!.systemInstruction).toBe('User u1 {literal}');
  });

  it("stores the model's answer in the model role whatever the provider called it", async () => {
    const model = new ScriptedModel([
      { content: { role: 'assistant', parts: [{ text: 'Hi.' }] } },
      'Again.',
    ]);
    const h = harness(new LlmAgent({ name: 'agent', model }));
    const events = await h.send('hello');
    expect(events.at(-1)!.content!.role).toBe('model');
    await h.send('once more');
    expect(model.requests[1]!.contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
  });

  it('stores the final text under outputKey', async () => {
    const model = new ScriptedModel(['Paris is the capital.']);
    const h = harness(new LlmAgent({ name: 'agent', model, outputKey: 'answer' }));
    const events = await h.send('capital of France?');
    expect(events.at(-1)!.actions.stateDelta).toEqual({ answer: 'Paris is the capital.' });
    expect((await h.session()).state.answer).toBe('Paris is the capital.');
  });

  it("records a tool's state writes on the response event", async () => {
    const tool = new FunctionTool({
      name: 'remember',
      description: 'remembers',
      parameters: z.object({ color: z.string() }),
      execute: ({ color }, context) => {
        context.state.set('user:color', color);
        return { ok: true };
      },
    });
    const model = new ScriptedModel([calls(['remember', { color: 'teal' }]), 'Noted.']);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [tool] }));
    const events = await h.send('my color is teal');
    expect(events[1]!.actions.stateDelta).toEqual({ 'user:color': 'teal' });
    expect((await h.session()).state['user:color']).toBe('teal');
  });

  it("streams partial text in 'sse' mode and ends with one whole event", async () => {
    const model = new ScriptedModel(['Streaming is fun to watch.'], { chunkSize: 5 });
    const h = harness(new LlmAgent({ name: 'agent', model }));
    const events = await h.send('hi', { runConfig: { streamingMode: 'sse' } });
    const partials = events.filter((e) => e.partial);
    expect(partials.map((e) => textOf(e.content)).join('')).toBe('Streaming is fun to watch.');
    expect(partials.length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatchObject({
      content: { parts: [{ text: 'Streaming is fun to watch.' }] },
    });
    expect(events.at(-1)!.partial).toBeFalsy();
    expect((await h.session()).events).toHaveLength(2);
  });

  it("emits no partial events in 'none' mode", async () => {
    const model = new ScriptedModel(['Streaming is fun to watch.'], { chunkSize: 5 });
    const h = harness(new LlmAgent({ name: 'agent', model }));
    const events = await h.send('hi', { runConfig: { streamingMode: 'none' } });
    expect(events.filter((e) => e.partial)).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it("aborts a running tool's signal when the run is cancelled", async () => {
    let started!: () => void;
    const toolStarted = new Promise<void>((resolve) => (started = resolve));
    let toolSignal: AbortSignal | undefined;
    const tool = new FunctionTool({
      name: 'wait',
      description: 'waits',
      execute: async (_args, context) => {
        toolSignal = context.signal;
        started();
        await untilAborted(context.signal);
      },
    });
    const model = new ScriptedModel([calls(['wait', {}]), 'unused']);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [tool] }));
    const seen: Event[] = [];
    const subscription = h.runner
      .run('u1', 's1', userContent('go'))
      .subscribe({ next: (e) => seen.push(e) });
    await toolStarted;
    subscription.unsubscribe();
    expect(toolSignal!.aborted).toBe(true);
    await abortableDelay(50);
    expect(model.requests).toHaveLength(1);
    expect((await h.session()).events.map((e) => e.author)).toEqual(['user', 'agent']);
  });

  it('passes the cancellation signal to the model', async () => {
    let modelSignal: AbortSignal | undefined;
    const model = new ScriptedModel([
      async (_request, options) => {
        modelSignal = options.signal;
        await untilAborted(options.signal);
        return 'never';
      },
    ]);
    const h = harness(new LlmAgent({ name: 'agent', model }));
    const subscription = h.runner.run('u1', 's1', userContent('go')).subscribe();
    while (!modelSignal) await abortableDelay(5);
    subscription.unsubscribe();
    expect(modelSignal.aborted).toBe(true);
  });

  it('puts preloaded memories into the system instruction', async () => {
    const memoryService: MemoryService = {
      addSessionToMemory: async () => undefined,
      searchMemory: async () => ({
        memories: [
          { id: 'm1', author: 'user', timestamp: 0, content: userContent('My dog is called Rex.') },
        ],
      }),
    };
    const model = new ScriptedModel(['Rex!']);
    const h = harness(new LlmAgent({ name: 'agent', model, instruction: 'Be kind.' }), {
      memoryService,
    });
    await h.send("what is my dog's name?");
    expect(model.requests[0]!.systemInstruction).toMatch(
      /^Be kind\.\n\n.*<PAST_CONVERSATIONS>\n\[1970-01-01T00:00:00.000Z\] user: My dog is called Rex\.\n<\/PAST_CONVERSATIONS>$/s,
    );
  });

  it('validates its configuration', () => {
    const model = new ScriptedModel([]);
    expect(() => new LlmAgent({ name: 'has space', model })).toThrow(InvalidArgumentError);
    expect(() => new LlmAgent({ name: 'user', model })).toThrow(InvalidArgumentError);
    const { tool } = counterTool();
    expect(() => new LlmAgent({ name: 'a', model, tools: [tool, tool] })).toThrow(/two tools/);
    const child = new LlmAgent({ name: 'child', model });
    new LlmAgent({ name: 'one', model, subAgents: [child] });
    expect(() => new LlmAgent({ name: 'two', model, subAgents: [child] })).toThrow(
      /already a sub-agent/,
    );
  });
});
