import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { Agent, Event } from '@ferrite/core';
import { HttpError } from '../http/http-error.js';
import {
  echoAgent,
  makeRunner,
  message,
  postJson,
  scriptAgent,
  startServer,
  text,
} from '../testing/server-fixtures.js';
import { SpanStore } from './span-store.js';

/** A tree like an LlmAgent's: a root with a tool and two sub-agents, one with its own tool. */
function tree(): Agent {
  const withTools = (agent: Agent, tools: string[]): Agent =>
    Object.assign(agent, { tools: tools.map((name) => ({ name })) });
  const root = withTools(
    scriptAgent('desk', async function* () {
      yield {
        content: {
          role: 'model',
          parts: [{ functionCall: { id: 'c1', name: 'add_note', args: {} } }],
        },
      };
      yield text('done');
    }),
    ['add_note'],
  );
  const helper = withTools(echoAgent('helper'), ['convert_units']);
  return Object.assign(root, { subAgents: [helper, echoAgent('writer')] });
}

describe('Dev UI routes', () => {
  it('answers /version with the package version', async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent()) });
    const version = (createRequire(import.meta.url)('../../package.json') as { version: string })
      .version;
    const response = await fetch(`${server.url}/version`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version, language: 'typescript' });
  });

  it('describes the agent tree and draws it as DOT', async () => {
    await using server = await startServer({ apps: makeRunner(tree(), 'app') });
    const info = await (await fetch(`${server.url}/dev/apps/app/build_graph`)).json();
    expect(info).toEqual({
      name: 'app',
      root_agent: {
        name: 'desk',
        type: 'agent',
        description: 'test agent desk',
        tools: [{ name: 'add_note', type: 'tool' }],
        sub_agents: [
          {
            name: 'helper',
            type: 'agent',
            description: 'test agent helper',
            tools: [{ name: 'convert_units', type: 'tool' }],
          },
          { name: 'writer', type: 'agent', description: 'test agent writer' },
        ],
      },
    });
    const image = (await (
      await fetch(`${server.url}/dev/apps/app/build_graph_image?dark_mode=true`)
    ).json()) as Record<string, { dotSrc: string } | string>;
    const dot = image.dotSrc as string;
    expect((image[''] as { dotSrc: string }).dotSrc).toBe(dot);
    expect(dot).toMatch(/^digraph "desk" \{/);
    expect(dot).toContain('"desk" -> "helper"');
    expect(dot).toContain('"desk" -> "writer"');
    expect(dot).toContain('"helper" -> "convert_units" [style=dashed]');
    expect(dot).toContain('#0F172A'); // the dark background
    const sub = (await (
      await fetch(`${server.url}/dev/apps/app/build_graph_image?dark_mode=false&node=desk/helper`)
    ).json()) as { dotSrc: string };
    expect(sub.dotSrc).toMatch(/^digraph "helper"/);
    expect(sub.dotSrc).not.toContain('"writer"');
    const missing = await fetch(`${server.url}/dev/apps/app/build_graph_image?node=nobody`);
    expect(missing.status).toBe(404);
    expect((await fetch(`${server.url}/dev/apps/other/build_graph`)).status).toBe(404);
  });

  it('highlights what an event did in the event graph', async () => {
    const runner = makeRunner(tree(), 'app');
    await using server = await startServer({ apps: runner });
    const events = (await (
      await postJson(`${server.url}/run`, {
        appName: 'app',
        userId: 'u1',
        sessionId: 's1',
        newMessage: message('note this'),
      })
    ).json()) as Event[];
    const call = events.find((event) => event.content?.parts[0]?.functionCall)!;
    const graph = (await (
      await fetch(`${server.url}/dev/apps/app/users/u1/sessions/s1/events/${call.id}/graph`)
    ).json()) as { dotSrc: string };
    expect(graph.dotSrc).toContain(
      '"desk" -> "add_note" [style=dashed, color="#69CB87", penwidth=2]',
    );
    const unknown = await fetch(
      `${server.url}/dev/apps/app/users/u1/sessions/s1/events/nope/graph`,
    );
    expect(unknown.status).toBe(404);
  });

  it('answers empty eval lists and metrics for a served app', async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent(), 'app') });
    expect(await (await fetch(`${server.url}/dev/apps/app/eval_sets`)).json()).toEqual([]);
    expect(await (await fetch(`${server.url}/dev/apps/app/eval_results`)).json()).toEqual([]);
    expect(await (await fetch(`${server.url}/dev/apps/app/metrics-info`)).json()).toEqual({
      metricsInfo: [],
    });
    expect((await fetch(`${server.url}/dev/apps/nope/eval_sets`)).status).toBe(404);
  });

  it("answers a session's spans from the span store, only to the user they belong to", async () => {
    const store = new SpanStore();
    const tracer = new BasicTracerProvider({ spanProcessors: [store] }).getTracer('test');
    const span = tracer.startSpan('invoke_agent echo', {
      startTime: 1_700_000_000_000,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.conversation.id': 's1',
        'ferrite.invocation.id': 'i1',
        'ferrite.app.name': 'app',
        'ferrite.user.id': 'alice',
        'ferrite.event.id': 'e1',
      },
    });
    span.end(1_700_000_000_020);
    const runner = makeRunner(echoAgent(), 'app');
    await using open = await startServer({ apps: runner, spanStore: store });
    const spans = (await (
      await fetch(`${open.url}/dev/apps/app/debug/trace/session/s1`)
    ).json()) as { name: string; end_time: number; start_time: number }[];
    expect(spans.map((s) => s.name)).toEqual(['invoke_agent echo']);
    expect(spans[0]!.end_time - spans[0]!.start_time).toBeGreaterThan(0);
    expect(await (await fetch(`${open.url}/debug/trace/session/s1`)).json()).toHaveLength(1);
    const byEvent = await (await fetch(`${open.url}/dev/apps/app/debug/trace/e1`)).json();
    expect(byEvent).toMatchObject({
      'gcp.vertex.agent.event_id': 'e1',
      span_id: span.spanContext().spanId,
    });
    expect((await fetch(`${open.url}/dev/apps/app/debug/trace/unknown`)).status).toBe(404);

    // Authorized as another user: the same session id shows nothing.
    await using guarded = await startServer({
      apps: runner,
      spanStore: store,
      authorize: (request) => {
        const user = request.headers.get('x-user');
        if (!user) throw new HttpError('who?', { status: 401 });
        return { userId: user };
      },
    });
    const as = (user: string) => ({ headers: { 'x-user': user } });
    const url = `${guarded.url}/dev/apps/app/debug/trace/session/s1`;
    expect(await (await fetch(url, as('alice'))).json()).toHaveLength(1);
    expect(await (await fetch(url, as('mallory'))).json()).toEqual([]);
    expect((await fetch(`${guarded.url}/dev/apps/app/debug/trace/e1`, as('mallory'))).status).toBe(
      404,
    );
    expect((await fetch(url)).status).toBe(401);
  });

  it('answers no spans without a span store', async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent(), 'app') });
    const response = await fetch(`${server.url}/dev/apps/app/debug/trace/session/s1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });
});
