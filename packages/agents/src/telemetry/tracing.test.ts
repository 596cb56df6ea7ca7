import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ModelError,
  TelemetryAttributes as A,
  userContent,
  type Event,
  type RunConfig,
} from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { Runner, runToArray } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { LlmAgent } from '../llm/llm-agent.js';
import { AgentTool } from '../tools/agent-tool.js';
import { FunctionTool } from '../tools/function-tool.js';
import { ParallelAgent } from '../workflow/parallel-agent.js';
import { dataPoints, parentOf, registerOtel, spanNamed } from './testing/otel.js';

const otel = registerOtel();
afterAll(() => otel.dispose());
beforeEach(() => otel.exporter.reset());

const callWeather = {
  content: {
    role: 'model',
    parts: [{ functionCall: { id: 'call-1', name: 'get_weather', args: { city: 'Paris' } } }],
  },
  usage: { inputTokens: 11, outputTokens: 3 },
};
const answer = {
  content: { role: 'model', parts: [{ text: 'It is 21 degrees.' }] },
  usage: { inputTokens: 20, outputTokens: 6 },
};

function weatherTool(execute = (): unknown => ({ temp: 21 })): FunctionTool {
  return new FunctionTool({
    name: 'get_weather',
    description: 'Current temperature of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    execute,
  });
}

function runnerFor(agent: LlmAgent | ParallelAgent, runConfig?: RunConfig): Runner {
  return new Runner({
    appName: 'weather_app',
    agent,
    sessionService: new InMemorySessionService(),
    ...(runConfig ? { runConfig } : {}),
  });
}

function spans(): ReadableSpan[] {
  return otel.exporter.getFinishedSpans();
}

describe('spans of a run', () => {
  it('nests a tool turn: invocation → invoke_agent → chat, execute_tool, chat, with ids, usage and run metadata', async () => {
    const model = new ScriptedModel([callWeather, answer], { name: 'gpt-test' });
    const agent = new LlmAgent({ name: 'weather', model, tools: [weatherTool()] });
    const runner = runnerFor(agent, {
      tracing: { workflowName: 'support', metadata: { tenant: 'acme', tier: 2 } },
    });
    const events = await runToArray(runner.run('u1', 's1', userContent('Weather in Paris?')));
    const invocationId = events[0]!.invocationId;

    const invocation = spanNamed(spans(), 'invocation');
    const agentSpan = spanNamed(spans(), 'invoke_agent weather');
    const chats = spans().filter((span) => span.name === 'chat gpt-test');
    const tool = spanNamed(spans(), 'execute_tool get_weather');
    expect(spans()).toHaveLength(5);
    expect(parentOf(invocation)).toBeUndefined();
    expect(parentOf(agentSpan)).toBe(invocation.spanContext().spanId);
    expect(chats).toHaveLength(2);
    for (const span of [...chats, tool])
      expect(parentOf(span)).toBe(agentSpan.spanContext().spanId);
    expect(new Set(spans().map((span) => span.spanContext().traceId)).size).toBe(1);
    // In the order they happened: chat, tool, chat. The exporter receives spans as they end; their
    // times are not compared, since the SDK anchors each span's clock to Date.now() at its start
    // (a millisecond), so two spans microseconds apart can carry end times in either order.
    const first = chats.find((span) => span.attributes[A.USAGE_INPUT_TOKENS] === 11);
    const second = chats.find((span) => span.attributes[A.USAGE_INPUT_TOKENS] === 20);
    const ended = spans();
    expect(ended.indexOf(tool)).toBeGreaterThan(ended.indexOf(first!));
    expect(ended.indexOf(second!)).toBeGreaterThan(ended.indexOf(tool));

    for (const span of spans()) {
      expect(span.attributes).toMatchObject({
        [A.CONVERSATION_ID]: 's1',
        [A.INVOCATION_ID]: invocationId,
        [A.APP_NAME]: 'weather_app',
        [A.USER_ID]: 'u1',
        [A.WORKFLOW_NAME]: 'support',
        'ferrite.metadata.tenant': 'acme',
        'ferrite.metadata.tier': 2,
      });
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(agentSpan.attributes).toMatchObject({
      [A.OPERATION_NAME]: 'invoke_agent',
      [A.AGENT_NAME]: 'weather',
    });
    expect(first!.attributes).toMatchObject({
      [A.OPERATION_NAME]: 'chat',
      [A.REQUEST_MODEL]: 'gpt-test',
      [A.AGENT_NAME]: 'weather',
      [A.USAGE_INPUT_TOKENS]: 11,
      [A.USAGE_OUTPUT_TOKENS]: 3,
    });
    expect(second!.attributes).toMatchObject({
      [A.USAGE_INPUT_TOKENS]: 20,
      [A.USAGE_OUTPUT_TOKENS]: 6,
    });
    expect(tool.attributes).toMatchObject({
      [A.OPERATION_NAME]: 'execute_tool',
      [A.TOOL_NAME]: 'get_weather',
      [A.TOOL_CALL_ID]: 'call-1',
    });
    // Contents stay off spans unless the run opts in.
    for (const span of spans()) {
      expect(span.attributes).not.toHaveProperty(A.INPUT_MESSAGES);
      expect(span.attributes).not.toHaveProperty(A.TOOL_CALL_ARGUMENTS);
    }
    // Every stored agent event is noted on its agent's span with its id.
    const noted = agentSpan.events.map((event) => event.attributes?.[A.EVENT_ID]);
    expect(noted).toEqual(events.filter((event) => !event.partial).map((event) => event.id));
    expect(invocation.attributes[A.OUTCOME]).toBe('completed');
  });

  it('records prompts, completions, arguments and results only with includeSensitiveData', async () => {
    const model = new ScriptedModel([callWeather, answer]);
    const agent = new LlmAgent({
      name: 'weather',
      model,
      tools: [weatherTool()],
      instruction: 'Be brief.',
    });
    await runToArray(
      runnerFor(agent).run('u1', 's1', userContent('Weather in Paris?'), {
        runConfig: { tracing: { includeSensitiveData: true } },
      }),
    );
    const [first] = spans().filter((span) => span.name === 'chat scripted');
    expect(first!.attributes[A.INPUT_MESSAGES]).toContain('Weather in Paris?');
    expect(first!.attributes[A.SYSTEM_INSTRUCTIONS]).toContain('Be brief.');
    expect(first!.attributes[A.OUTPUT_MESSAGES]).toContain('get_weather');
    const tool = spanNamed(spans(), 'execute_tool get_weather');
    expect(JSON.parse(tool.attributes[A.TOOL_CALL_ARGUMENTS] as string)).toEqual({ city: 'Paris' });
    expect(JSON.parse(tool.attributes[A.TOOL_CALL_RESULT] as string)).toEqual({ temp: 21 });
  });

  it('makes no span when the run disables tracing', async () => {
    const model = new ScriptedModel([callWeather, answer]);
    const agent = new LlmAgent({ name: 'weather', model, tools: [weatherTool()] });
    await runToArray(
      runnerFor(agent, { tracing: { disabled: true } }).run('u1', 's1', userContent('Hi')),
    );
    expect(spans()).toEqual([]);
  });

  it('puts a transferred-to agent under the invocation, its model call under it', async () => {
    const helper = new LlmAgent({
      name: 'helper',
      model: new ScriptedModel(['Helper here.'], { name: 'helper-model' }),
    });
    const root = new LlmAgent({
      name: 'root',
      model: new ScriptedModel(
        [
          {
            content: {
              role: 'model',
              parts: [
                {
                  functionCall: {
                    id: 't1',
                    name: 'transfer_to_agent',
                    args: { agent_name: 'helper' },
                  },
                },
              ],
            },
          },
        ],
        { name: 'root-model' },
      ),
      subAgents: [helper],
    });
    await runToArray(runnerFor(root).run('u1', 's1', userContent('Help')));
    const invocation = spanNamed(spans(), 'invocation');
    const rootSpan = spanNamed(spans(), 'invoke_agent root');
    const helperSpan = spanNamed(spans(), 'invoke_agent helper');
    expect(parentOf(rootSpan)).toBe(invocation.spanContext().spanId);
    expect(parentOf(helperSpan)).toBe(invocation.spanContext().spanId);
    expect(parentOf(spanNamed(spans(), 'chat root-model'))).toBe(rootSpan.spanContext().spanId);
    expect(parentOf(spanNamed(spans(), 'execute_tool transfer_to_agent'))).toBe(
      rootSpan.spanContext().spanId,
    );
    expect(parentOf(spanNamed(spans(), 'chat helper-model'))).toBe(helperSpan.spanContext().spanId);
  });

  it('puts each parallel branch under its own agent span, under the workflow agent', async () => {
    const left = new LlmAgent({
      name: 'left',
      model: new ScriptedModel(['L'], { name: 'left-model' }),
    });
    const right = new LlmAgent({
      name: 'right',
      model: new ScriptedModel([callWeather, 'R'], { name: 'right-model' }),
      tools: [weatherTool()],
    });
    const both = new ParallelAgent({ name: 'both', subAgents: [left, right] });
    await runToArray(runnerFor(both).run('u1', 's1', userContent('Go')));
    const invocation = spanNamed(spans(), 'invocation');
    const workflow = spanNamed(spans(), 'invoke_agent both');
    const leftSpan = spanNamed(spans(), 'invoke_agent left');
    const rightSpan = spanNamed(spans(), 'invoke_agent right');
    expect(parentOf(workflow)).toBe(invocation.spanContext().spanId);
    expect(parentOf(leftSpan)).toBe(workflow.spanContext().spanId);
    expect(parentOf(rightSpan)).toBe(workflow.spanContext().spanId);
    expect(leftSpan.attributes[A.BRANCH]).toBe('both.left');
    expect(rightSpan.attributes[A.BRANCH]).toBe('both.right');
    expect(parentOf(spanNamed(spans(), 'chat left-model'))).toBe(leftSpan.spanContext().spanId);
    for (const span of spans().filter((s) => s.name === 'chat right-model')) {
      expect(parentOf(span)).toBe(rightSpan.spanContext().spanId);
    }
    expect(parentOf(spanNamed(spans(), 'execute_tool get_weather'))).toBe(
      rightSpan.spanContext().spanId,
    );
  });
  it('nests an agent used as a tool under the calling agent, its model call under it', async () => {
    const inner = new LlmAgent({
      name: 'researcher',
      model: new ScriptedModel(['Found it.'], { name: 'inner-model' }),
    });
    const outer = new LlmAgent({
      name: 'lead',
      model: new ScriptedModel(
        [
          {
            content: {
              role: 'model',
              parts: [
                { functionCall: { id: 'a1', name: 'researcher', args: { request: 'look it up' } } },
              ],
            },
          },
          'Done.',
        ],
        { name: 'outer-model' },
      ),
      tools: [new AgentTool({ agent: inner })],
    });
    await runToArray(runnerFor(outer).run('u1', 's1', userContent('Research')));
    const lead = spanNamed(spans(), 'invoke_agent lead');
    const researcher = spanNamed(spans(), 'invoke_agent researcher');
    expect(parentOf(researcher)).toBe(lead.spanContext().spanId);
    expect(researcher.attributes[A.BRANCH]).toBe('lead.researcher');
    expect(parentOf(spanNamed(spans(), 'chat inner-model'))).toBe(researcher.spanContext().spanId);
    expect(parentOf(spanNamed(spans(), 'execute_tool researcher'))).toBe(lead.spanContext().spanId);
  });
});

describe('failures on spans', () => {
  it('a model error ends chat, agent and invocation spans with status ERROR and error.type model.error', async () => {
    const model = new ScriptedModel([new ModelError('upstream 503', { retryable: true })]);
    const agent = new LlmAgent({ name: 'weather', model });
    await expect(runToArray(runnerFor(agent).run('u1', 's1', userContent('Hi')))).rejects.toThrow(
      'upstream 503',
    );
    for (const name of ['chat scripted', 'invoke_agent weather', 'invocation']) {
      const span = spanNamed(spans(), name);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes[A.ERROR_TYPE]).toBe('model.error');
      expect(span.events.some((event) => event.name === 'exception')).toBe(true);
    }
    expect(spanNamed(spans(), 'invocation').attributes[A.OUTCOME]).toBe('failed');
  });

  it('a cancelled run ends every span it opened, with error.type cancelled', async () => {
    let called!: () => void;
    const modelCalled = new Promise<void>((resolve) => (called = resolve));
    const model = new ScriptedModel([
      async (_request, options) => {
        called();
        await new Promise((_, reject) => {
          options.signal.addEventListener('abort', () => reject(options.signal.reason as Error));
        });
        return 'never';
      },
    ]);
    const agent = new LlmAgent({ name: 'weather', model });
    const subscription = runnerFor(agent).run('u1', 's1', userContent('Hi')).subscribe();
    await modelCalled;
    subscription.unsubscribe();
    await vi.waitFor(() => expect(spans().map((span) => span.name)).toContain('invocation'));
    for (const name of ['chat scripted', 'invoke_agent weather', 'invocation']) {
      const span = spanNamed(spans(), name);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes[A.ERROR_TYPE]).toBe('cancelled');
    }
    expect(spanNamed(spans(), 'invocation').attributes[A.OUTCOME]).toBe('cancelled');
  });

  it('a guard trip (maxTurns) ends the spans with its code', async () => {
    const model = new ScriptedModel([callWeather, answer]);
    const agent = new LlmAgent({ name: 'weather', model, tools: [weatherTool()] });
    await expect(
      runToArray(runnerFor(agent, { maxTurns: 1 }).run('u1', 's1', userContent('Hi'))),
    ).rejects.toMatchObject({ code: 'run.max_turns' });
    for (const name of ['invoke_agent weather', 'invocation']) {
      const span = spanNamed(spans(), name);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes[A.ERROR_TYPE]).toBe('run.max_turns');
    }
    // The first model call and the tool call completed before the guard tripped.
    expect(spanNamed(spans(), 'execute_tool get_weather').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a tool that throws ends its span with ERROR while the run goes on', async () => {
    const model = new ScriptedModel([callWeather, answer]);
    const failing = weatherTool(() => {
      throw new RangeError('no such city');
    });
    const agent = new LlmAgent({ name: 'weather', model, tools: [failing] });
    const events: Event[] = await runToArray(runnerFor(agent).run('u1', 's1', userContent('Hi')));
    expect(events.at(-1)?.content?.parts[0]?.text).toBe('It is 21 degrees.');
    const tool = spanNamed(spans(), 'execute_tool get_weather');
    expect(tool.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'no such city' });
    expect(tool.attributes[A.ERROR_TYPE]).toBe('RangeError');
    expect(spanNamed(spans(), 'invocation').status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe('metrics of a run', () => {
  it('records run and model-call durations, token usage by type, tool errors and active runs', async () => {
    const model = new ScriptedModel([callWeather, answer], { name: 'gpt-test' });
    const failing = weatherTool(() => {
      throw new RangeError('no such city');
    });
    const agent = new LlmAgent({ name: 'weather', model, tools: [failing] });
    const before = await dataPoints(otel.reader, 'gen_ai.client.token.usage');
    const counted = (points: typeof before, type: string) =>
      points
        .filter(
          (point) =>
            point.attributes['gen_ai.token.type'] === type &&
            point.attributes[A.REQUEST_MODEL] === 'gpt-test',
        )
        .reduce((sum, point) => sum + (point.value as { sum: number }).sum, 0);
    const callsBefore = (await dataPoints(otel.reader, 'gen_ai.client.operation.duration'))
      .filter((point) => point.attributes[A.REQUEST_MODEL] === 'gpt-test')
      .reduce((sum, point) => sum + (point.value as { count: number }).count, 0);
    await runToArray(runnerFor(agent).run('u1', 's1', userContent('Hi')));

    const usage = await dataPoints(otel.reader, 'gen_ai.client.token.usage');
    expect(counted(usage, 'input') - counted(before, 'input')).toBe(31);
    expect(counted(usage, 'output') - counted(before, 'output')).toBe(9);
    const callCount = async () =>
      (await dataPoints(otel.reader, 'gen_ai.client.operation.duration'))
        .filter((point) => point.attributes[A.REQUEST_MODEL] === 'gpt-test')
        .reduce((sum, point) => sum + (point.value as { count: number }).count, 0);
    expect((await callCount()) - callsBefore).toBe(2);
    const runs = (await dataPoints(otel.reader, 'ferrite.run.duration')).filter(
      (point) =>
        point.attributes[A.APP_NAME] === 'weather_app' &&
        point.attributes[A.OUTCOME] === 'completed',
    );
    expect(
      runs.reduce((sum, point) => sum + (point.value as { count: number }).count, 0),
    ).toBeGreaterThanOrEqual(1);
    const toolErrors = await dataPoints(otel.reader, 'ferrite.tool.errors');
    expect(
      toolErrors.find((point) => point.attributes[A.ERROR_TYPE] === 'RangeError')?.value,
    ).toBeGreaterThanOrEqual(1);
    const active = await dataPoints(otel.reader, 'ferrite.run.active');
    expect(active.map((point) => point.value)).toEqual([0]);
  });
});
