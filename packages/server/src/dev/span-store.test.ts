import { describe, expect, it } from 'vitest';
import { context, trace, type Attributes } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { InvalidArgumentError } from '@ferrite/core';
import { SpanStore } from './span-store.js';

/** Spans made through the OpenTelemetry API and SDK, with the attributes Ferrite's spans carry. */
function tracerWith(store: SpanStore) {
  const provider = new BasicTracerProvider({ spanProcessors: [store] });
  return provider.getTracer('test');
}

function invocationAttributes(session: string, user = 'u1', invocation = 'i1'): Attributes {
  return {
    'gen_ai.conversation.id': session,
    'ferrite.invocation.id': invocation,
    'ferrite.app.name': 'app',
    'ferrite.user.id': user,
  };
}

/** One invocation: an agent span with a model call and a tool call inside, at fixed times. */
function invocation(
  store: SpanStore,
  session: string,
  options: { user?: string; event?: string; t0?: number } = {},
) {
  const tracer = tracerWith(store);
  const t0 = options.t0 ?? 1_700_000_000_000;
  const base = invocationAttributes(session, options.user);
  const agent = tracer.startSpan('invoke_agent desk', {
    startTime: t0,
    attributes: { ...base, 'gen_ai.operation.name': 'invoke_agent' },
  });
  const inside = trace.setSpan(context.active(), agent);
  // The model call's span carries no session id: it is found through its trace.
  const model = tracer.startSpan(
    'chat demo',
    {
      startTime: t0 + 5,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'ferrite.invocation.id': 'i1',
        'gen_ai.input.messages': '[{"role":"user"}]',
      },
    },
    inside,
  );
  model.end(t0 + 30);
  // The runner notes each stored event on its agent's span, as Ferrite's instrumentation does.
  agent.addEvent('ferrite.event', { 'ferrite.event.id': options.event ?? 'e1' }, t0 + 30);
  agent.addEvent('ferrite.event', { 'ferrite.event.id': `${options.event ?? 'e1'}-tool` }, t0 + 41);
  const tool = tracer.startSpan(
    'execute_tool add_note',
    { startTime: t0 + 31, attributes: { 'gen_ai.operation.name': 'execute_tool' } },
    inside,
  );
  tool.end(t0 + 40);
  agent.end(t0 + 50);
  return { agent, model, tool };
}

describe('SpanStore', () => {
  it("answers every span of a session's traces in ADK's shape with nanosecond times", () => {
    const store = new SpanStore();
    const { agent, model } = invocation(store, 's1');
    invocation(store, 's2', { event: 'e2' });
    const spans = store.spansOfSession('s1');
    expect(spans.map((span) => span.name)).toEqual([
      'chat demo',
      'execute_tool add_note',
      'invoke_agent desk',
    ]);
    const root = spans.find((span) => span.name === 'invoke_agent desk')!;
    expect(root).toMatchObject({
      span_id: agent.spanContext().spanId,
      trace_id: agent.spanContext().traceId,
      parent_span_id: null,
      start_time: 1_700_000_000_000 * 1e6,
      end_time: (1_700_000_000_000 + 50) * 1e6,
    });
    const call = spans.find((span) => span.name === 'chat demo')!;
    expect(call.parent_span_id).toBe(agent.spanContext().spanId);
    // Nanoseconds since the epoch pass 2^53, so a number keeps them to about 256 ns (as ADK's).
    expect(Math.abs(call.end_time - call.start_time - 25e6)).toBeLessThan(1000);
    // The names the Dev UI reads: ADK's operation name and ids, the request under llm_request.
    expect(call.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gcp.vertex.agent.event_id': 'e1',
      'gcp.vertex.agent.invocation_id': 'i1',
      'gcp.vertex.agent.llm_request': '[{"role":"user"}]',
    });
    expect(root.attributes['gcp.vertex.agent.invocation_id']).toBe('i1');
    expect(root.attributes['gcp.vertex.agent.associated_event_ids']).toEqual(['e1', 'e1-tool']);
    expect(store.spanOfEvent('e1')?.span.span_id).toBe(agent.spanContext().spanId);
    expect(model.spanContext().spanId).not.toBe(agent.spanContext().spanId);
    expect(store.spanOfEvent('e1')?.owner).toEqual({
      sessionId: 's1',
      userId: 'u1',
      appName: 'app',
    });
    expect(store.spansOfSession('nobody')).toEqual([]);
  });

  it('shows a user only their own traces and an app only its own', () => {
    const store = new SpanStore();
    invocation(store, 's1', { user: 'alice' });
    expect(store.spansOfSession('s1', { userId: 'alice' })).toHaveLength(3);
    expect(store.spansOfSession('s1', { userId: 'mallory' })).toEqual([]);
    expect(store.spansOfSession('s1', { appName: 'other' })).toEqual([]);
  });

  it('keeps at most maxSpans spans, evicting the oldest and forgetting emptied traces', () => {
    const store = new SpanStore({ maxSpans: 4 });
    invocation(store, 'old', { event: 'e-old' });
    invocation(store, 'new', { event: 'e-new', t0: 1_800_000_000_000 });
    expect(store.size).toBe(4);
    // The old trace kept only its last span (the agent's, which noted its events).
    expect(store.spansOfSession('old').map((span) => span.name)).toEqual(['invoke_agent desk']);
    expect(store.spanOfEvent('e-old')?.span.name).toBe('invoke_agent desk');
    expect(store.spansOfSession('new')).toHaveLength(3);
    invocation(store, 'newest', { event: 'e3' });
    expect(store.spansOfSession('old')).toEqual([]);
    expect(store.spanOfEvent('e-old')).toBeUndefined();
    expect(store.size).toBe(4);
    expect(() => new SpanStore({ maxSpans: 0 })).toThrow(InvalidArgumentError);
  });

  it('forgets everything on shutdown', async () => {
    const store = new SpanStore();
    invocation(store, 's1');
    await store.forceFlush();
    await store.shutdown();
    expect(store.size).toBe(0);
    expect(store.spansOfSession('s1')).toEqual([]);
  });
});
