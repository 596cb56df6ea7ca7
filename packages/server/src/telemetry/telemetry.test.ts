import { Writable } from 'node:stream';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { pinoLogger, type LogFields, type Logger } from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { createHandler } from '../handler/create-handler.js';
import { serve } from '../node/serve.js';
import { message, postJson, readSse, scriptAgent, text } from '../testing/server-fixtures.js';

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
const reader = new CollectingReader();
const meterProvider = new MeterProvider({ readers: [reader] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(tracerProvider);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
metrics.setGlobalMeterProvider(meterProvider);
afterAll(async () => {
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});
beforeEach(() => exporter.reset());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger keeping every line with the fields of its children. */
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

const replying = scriptAgent('helper', async function* () {
  yield text('Hello there.');
});

function runnerWith(logger?: Logger): Runner {
  return new Runner({
    appName: 'app',
    agent: replying,
    sessionService: new InMemorySessionService(),
    ...(logger ? { logger } : {}),
  });
}

const body = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('Hi') };

describe('trace context over HTTP', () => {
  it('continues an incoming traceparent: the invocation span has its trace id and parent', async () => {
    await using server = await serve({ handler: createHandler({ apps: runnerWith() }), port: 0 });
    for (const route of ['/run', '/run_sse']) {
      exporter.reset();
      const response = await postJson(`${server.url}${route}`, body, {
        headers: { traceparent: TRACEPARENT },
      });
      expect(response.status).toBe(200);
      if (route === '/run_sse') await readSse(response);
      else await response.json();
      await vi.waitFor(() =>
        expect(exporter.getFinishedSpans().map((span) => span.name)).toContain('invocation'),
      );
      const invocation = exporter.getFinishedSpans().find((span) => span.name === 'invocation')!;
      expect(invocation.spanContext().traceId).toBe(TRACE_ID);
      expect(invocation.parentSpanContext?.spanId).toBe(PARENT_ID);
      const agentSpan = exporter
        .getFinishedSpans()
        .find((span) => span.name === 'invoke_agent helper')!;
      expect(agentSpan.spanContext().traceId).toBe(TRACE_ID);
      expect(agentSpan.parentSpanContext?.spanId).toBe(invocation.spanContext().spanId);
    }
  });

  it('starts a new trace when the request carries none', async () => {
    await using server = await serve({ handler: createHandler({ apps: runnerWith() }), port: 0 });
    await (await postJson(`${server.url}/run`, body)).json();
    const invocation = exporter.getFinishedSpans().find((span) => span.name === 'invocation')!;
    expect(invocation.spanContext().traceId).not.toBe(TRACE_ID);
    expect(invocation.parentSpanContext).toBeUndefined();
  });
});

describe('request and run lifecycle logs', () => {
  it('writes a request line and the run lines, each with the session, invocation and trace ids', async () => {
    const lines: Line[] = [];
    const logger = capturingLogger(lines);
    await using server = await serve({
      handler: createHandler({ apps: runnerWith(logger), logger }),
      port: 0,
    });
    const events = (await (
      await postJson(`${server.url}/run`, body, { headers: { traceparent: TRACEPARENT } })
    ).json()) as { invocationId: string }[];
    const invocationId = events[0]!.invocationId;
    await vi.waitFor(() => expect(lines.map((line) => line.message)).toContain('request'));

    const ids = { sessionId: 's1', invocationId, traceId: TRACE_ID };
    expect(lines.find((line) => line.message === 'run started')?.fields).toMatchObject({
      ...ids,
      userId: 'u1',
      appName: 'app',
      agent: 'helper',
    });
    const completed = lines.find((line) => line.message === 'run completed');
    expect(completed?.fields).toMatchObject(ids);
    expect(typeof completed?.fields.durationMs).toBe('number');
    const request = lines.find((line) => line.message === 'request');
    expect(request?.fields).toMatchObject({ ...ids, method: 'POST', path: '/run', status: 200 });
    expect(typeof request?.fields.durationMs).toBe('number');

    lines.length = 0;
    await (await fetch(`${server.url}/apps/app/users/u1/sessions/s1`)).json();
    expect(lines).toEqual([
      {
        level: 'info',
        message: 'request',
        fields: expect.objectContaining({
          method: 'GET',
          path: '/apps/app/users/u1/sessions/s1',
          status: 200,
          appName: 'app',
          userId: 'u1',
          sessionId: 's1',
        }) as unknown,
      },
    ]);
  });

  it('logs a streamed run once its stream ends, and a failed run as an error with its code', async () => {
    const lines: Line[] = [];
    const logger = capturingLogger(lines);
    const failing = scriptAgent('helper', async function* () {
      yield text('partly');
      throw Object.assign(new Error('provider down'), { code: 'nope' });
    });
    const runner = new Runner({
      appName: 'app',
      agent: failing,
      sessionService: new InMemorySessionService(),
      logger,
    });
    await using server = await serve({ handler: createHandler({ apps: runner, logger }), port: 0 });
    const transcript = await readSse(await postJson(`${server.url}/run_sse`, body));
    const invocationId = (JSON.parse(transcript.messages[0]!.data) as { invocationId: string })
      .invocationId;
    await vi.waitFor(() => expect(lines.map((line) => line.message)).toContain('request'));
    expect(lines.find((line) => line.message === 'run failed')).toMatchObject({
      level: 'error',
      fields: { invocationId, sessionId: 's1', code: 'internal' },
    });
    expect(lines.find((line) => line.message === 'request')?.fields).toMatchObject({
      path: '/run_sse',
      status: 200,
      invocationId,
      sessionId: 's1',
    });
  });

  it('writes through a real pino instance', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const logger = pinoLogger(pino({ level: 'info' }, sink));
    await using server = await serve({
      handler: createHandler({ apps: runnerWith(logger), logger }),
      port: 0,
    });
    await (
      await postJson(`${server.url}/run`, body, { headers: { traceparent: TRACEPARENT } })
    ).json();
    await vi.waitFor(() => expect(chunks.join('')).toContain('"msg":"request"'));
    const records = chunks
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const byMessage = new Map(records.map((record) => [record.msg, record]));
    for (const message of ['run started', 'run completed', 'request']) {
      expect(byMessage.get(message)).toMatchObject({
        level: 30,
        sessionId: 's1',
        traceId: TRACE_ID,
        invocationId: expect.any(String) as unknown,
      });
    }
  });
});

describe('server metrics', () => {
  it('counts SSE clients while their stream is open', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const waiting = scriptAgent('helper', async function* () {
      yield text('first');
      await gate;
      yield text('second');
    });
    const runner = new Runner({
      appName: 'app',
      agent: waiting,
      sessionService: new InMemorySessionService(),
    });
    await using server = await serve({ handler: createHandler({ apps: runner }), port: 0 });
    const clients = async () => {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === 'ferrite.server.sse.clients')
        .flatMap((metric) => metric.dataPoints.map((point) => point.value as number))
        .reduce((sum, value) => sum + value, 0);
    };
    const response = await postJson(`${server.url}/run_sse`, body);
    await vi.waitFor(async () => expect(await clients()).toBe(1));
    release();
    await readSse(response);
    await vi.waitFor(async () => expect(await clients()).toBe(0));
  });
});
