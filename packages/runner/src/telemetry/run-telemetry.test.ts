import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidArgumentError,
  noopLogger,
  traceParentOf,
  userContent,
  type InvocationContext,
  type LogFields,
  type Logger,
} from '@ferrite/core';
import { Runner } from '../runner/runner.js';
import {
  InMemorySessionService,
  TestAgent,
  collect,
  makeRunner,
  say,
} from '../testing/runner-fixtures.js';
import { extractTraceContext, injectTraceContext } from './trace-context.js';

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function capturingLogger(lines: Line[], bound: LogFields = {}): Logger {
  const write = (level: string) => (message: string, fields?: LogFields) =>
    lines.push({ level, message, fields: { ...bound, ...fields } });
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => capturingLogger(lines, { ...bound, ...fields }),
  };
}

function loggedRunner(agent: TestAgent, lines: Line[]): Runner {
  return new Runner({
    appName: 'app',
    agent,
    sessionService: new InMemorySessionService(),
    logger: capturingLogger(lines),
  });
}

describe('without a tracer provider', () => {
  it('does not trace: agents see no trace parent', async () => {
    const seen: unknown[] = [];
    const agent = new TestAgent('solo', (ctx: InvocationContext) => {
      seen.push(traceParentOf(ctx));
      return [say('hi')];
    });
    const { completed } = await collect(makeRunner(agent).runner.run('u1', 's1', userContent('x')));
    expect(completed).toBe(true);
    expect(seen).toEqual([undefined]);
  });
});

describe('with a tracer provider', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    trace.disable();
    propagation.disable();
    context.disable();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it('a queued run continues the trace of the request that queued it (inject → carrier → traceContext)', async () => {
    const tracer = trace.getTracer('test');
    const request = tracer.startSpan('POST /enqueue');
    // What a queue would store with the job: plain strings.
    const carrier = injectTraceContext(trace.setSpan(context.active(), request));
    request.end();
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(trace.getSpanContext(extractTraceContext(carrier))?.spanId).toBe(
      request.spanContext().spanId,
    );

    // Later, in the worker, outside any span.
    const { runner } = makeRunner(new TestAgent('worker'));
    await collect(runner.run('u1', 's1', userContent('job'), { traceContext: carrier }));
    const invocation = exporter.getFinishedSpans().find((span) => span.name === 'invocation')!;
    expect(invocation.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(invocation.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });

  it('without a carrier, the run is a child of the span active when run() is called', async () => {
    const tracer = trace.getTracer('test');
    const { runner } = makeRunner(new TestAgent('solo'));
    const outer = tracer.startSpan('handler');
    const run$ = context.with(trace.setSpan(context.active(), outer), () =>
      runner.run('u1', 's1', userContent('x')),
    );
    await collect(run$);
    outer.end();
    const invocation = exporter.getFinishedSpans().find((span) => span.name === 'invocation')!;
    expect(invocation.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });

  it('refuses a malformed traceContext with InvalidArgumentError on the stream', async () => {
    const { runner } = makeRunner(new TestAgent('solo'));
    for (const traceContext of ['00-abc', { traceparent: 7 }, ['x']]) {
      const { error } = await collect(
        runner.run('u1', 's1', userContent('x'), { traceContext: traceContext as never }),
      );
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
    }
  });

  it('logs the run lifecycle with invocation, session and trace ids', async () => {
    const lines: Line[] = [];
    const runner = loggedRunner(new TestAgent('solo'), lines);
    const { events } = await collect(runner.run('u1', 's1', userContent('x')));
    const invocation = exporter.getFinishedSpans().find((span) => span.name === 'invocation')!;
    const ids = {
      invocationId: events[0]!.invocationId,
      sessionId: 's1',
      userId: 'u1',
      appName: 'app',
      traceId: invocation.spanContext().traceId,
      spanId: invocation.spanContext().spanId,
    };
    expect(lines.map((line) => line.message)).toEqual(['run started', 'run completed']);
    for (const line of lines) expect(line.fields).toMatchObject(ids);
  });

  it('logs a failed run with its code, a cancelled and an interrupted run by their outcome', async () => {
    const lines: Line[] = [];
    const greedy = new TestAgent('greedy', (ctx: InvocationContext) => {
      ctx.countModelCall();
      ctx.countModelCall();
      return [say('never')];
    });
    const failing = new Runner({
      appName: 'app',
      agent: greedy,
      sessionService: new InMemorySessionService(),
      runConfig: { maxTurns: 1 },
      logger: capturingLogger(lines),
    });
    await collect(failing.run('u1', 's1', userContent('x')));
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      message: 'run failed',
      fields: { code: 'run.max_turns', sessionId: 's1' },
    });

    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const waiting = new TestAgent('waiting', async function* (ctx: InvocationContext) {
      started();
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      yield say('late');
    });
    const runner = loggedRunner(waiting, lines);
    const subscription = runner.run('u1', 's1', userContent('x')).subscribe();
    await running;
    subscription.unsubscribe();
    await vi.waitFor(() => expect(lines.at(-1)?.message).toBe('run cancelled'));

    const interrupted = new Promise<void>((resolve) => (started = resolve));
    const done = collect(runner.run('u1', 's2', userContent('x')));
    await interrupted;
    await runner.interrupt('u1', 's2');
    expect((await done).completed).toBe(true);
    expect(lines.at(-1)).toMatchObject({ message: 'run interrupted', fields: { sessionId: 's2' } });
    const cancelled = exporter
      .getFinishedSpans()
      .filter((span) => span.attributes['ferrite.outcome'] === 'cancelled');
    expect(cancelled.map((span) => span.name)).toEqual(['invoke_agent waiting', 'invocation']);
  });

  it('a logger that throws does not disturb the run', async () => {
    const throwing: Logger = {
      ...noopLogger,
      info: () => {
        throw new Error('log sink down');
      },
      child: () => throwing,
    };
    const runner = new Runner({
      appName: 'app',
      agent: new TestAgent('solo'),
      sessionService: new InMemorySessionService(),
      logger: throwing,
    });
    const { completed, events } = await collect(runner.run('u1', 's1', userContent('x')));
    expect(completed).toBe(true);
    expect(events).toHaveLength(1);
  });

  it('refuses a RunnerConfig.logger that is not a Logger', () => {
    expect(
      () =>
        new Runner({
          appName: 'app',
          agent: new TestAgent('solo'),
          sessionService: new InMemorySessionService(),
          logger: { info: () => {} } as never,
        }),
    ).toThrow(InvalidArgumentError);
  });
});
