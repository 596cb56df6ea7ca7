import { randomBytes, randomUUID } from 'node:crypto';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userContent, type SessionService } from '@ferrite/core';
import { Runner, runToArray } from '@ferrite/runner';
import { createHandler, serve } from '@ferrite/server';
import { InMemorySessionService } from '@ferrite/session';
import { QueuedRunner, RunWorker } from '../index.js';
import { REDIS_URL } from '../testing/private-redis.js';
import { testAgent } from '../worker/fixtures/test-agent.js';

// A run queued by a front and run by a RunWorker (in this process, on the local Redis) continues
// the requester's trace: the worker's `invocation` span is a child of the request's span.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

/** The finished `invocation` span of one run, once the worker has ended it. */
async function invocationSpan(invocationId: string): Promise<ReadableSpan> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const span = exporter
      .getFinishedSpans()
      .find(
        (candidate) =>
          candidate.name === 'invocation' &&
          candidate.attributes['ferrite.invocation.id'] === invocationId,
      );
    if (span !== undefined) return span;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no invocation span for ${invocationId}`);
}

describe('trace context through the queue', () => {
  const keyPrefix = `ferrite-test:${randomBytes(4).toString('hex')}:`;
  const settings = { redis: REDIS_URL, keyPrefix, stream: { blockMs: 200 } };
  let sessionService: SessionService;
  let worker: RunWorker;
  let front: QueuedRunner;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    sessionService = new InMemorySessionService();
    const runner = new Runner({ appName: 'shop', agent: testAgent, sessionService });
    worker = new RunWorker({ runners: [runner], ...settings });
    await worker.ready();
    front = new QueuedRunner({ appName: 'shop', sessionService, ...settings });
  });

  afterAll(async () => {
    await front?.close();
    await worker?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    trace.disable();
    propagation.disable();
    context.disable();
    await provider.shutdown();
  });

  it('makes the worker-side invocation span a child of the span active when the run was queued', async () => {
    const invocationId = randomUUID();
    const tracer = trace.getTracer('queued-trace-test');
    const request = await tracer.startActiveSpan('request', async (span) => {
      await runToArray(front.run('u1', 's-span', userContent('hello'), { invocationId }));
      span.end();
      return span;
    });
    const invocation = await invocationSpan(invocationId);
    expect(invocation.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(invocation.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    // The worker's own spans hang under it, in the same trace.
    const agent = exporter
      .getFinishedSpans()
      .find((span) => span.parentSpanContext?.spanId === invocation.spanContext().spanId);
    expect(agent?.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it('starts a new trace on the worker when nothing was active', async () => {
    const invocationId = randomUUID();
    await runToArray(front.run('u1', 's-none', userContent('hello'), { invocationId }));
    const invocation = await invocationSpan(invocationId);
    expect(invocation.parentSpanContext).toBeUndefined();
  });

  it('continues the traceparent of an HTTP request to a server backed by the QueuedRunner', async () => {
    await using server = await serve({ handler: createHandler({ apps: front }), port: 0 });
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    for (const [route, sessionId] of [
      ['/run', 's-http'],
      ['/run_sse', 's-http-sse'],
    ] as const) {
      const response = await fetch(`${server.url}${route}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${traceId}-${parentId}-01`,
        },
        body: JSON.stringify({
          appName: 'shop',
          userId: 'u1',
          sessionId,
          newMessage: { role: 'user', parts: [{ text: 'hello' }] },
        }),
      });
      expect(response.status).toBe(200);
      const invocationId = response.headers.get('x-ferrite-invocation-id')!;
      await response.text();
      const invocation = await invocationSpan(invocationId);
      expect(invocation.spanContext().traceId).toBe(traceId);
      expect(invocation.parentSpanContext?.spanId).toBe(parentId);
    }
  });
});
