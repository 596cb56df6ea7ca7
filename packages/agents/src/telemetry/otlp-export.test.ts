import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { TelemetryAttributes as A, userContent } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { Runner, runToArray } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { LlmAgent } from '../llm/llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';

/** An OTLP/HTTP JSON attribute value. */
interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpRequest {
  resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function attribute(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

// A local OTLP/HTTP receiver: what Ferrite's spans look like to a collector.
const received: { path: string; contentType: string | undefined; body: OtlpRequest }[] = [];
const receiver = createServer((request, response) => {
  readBody(request).then(
    (text) => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        body: JSON.parse(text) as OtlpRequest,
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    },
    () => response.writeHead(400).end(),
  );
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const port = (receiver.address() as AddressInfo).port;

const provider = new BasicTracerProvider({
  spanProcessors: [
    new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces` })),
  ],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
afterAll(async () => {
  trace.disable();
  context.disable();
  await provider.shutdown();
  await new Promise((resolve) => receiver.close(resolve));
});

describe('OTLP/HTTP export', () => {
  it('delivers the span tree of a tool turn, names and attributes intact, to a collector', async () => {
    const model = new ScriptedModel(
      [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { id: 'call-7', name: 'get_weather', args: { city: 'Oslo' } } },
            ],
          },
          usage: { inputTokens: 12, outputTokens: 4 },
        },
        'Cold.',
      ],
      { name: 'gpt-otlp' },
    );
    const agent = new LlmAgent({
      name: 'weather',
      model,
      tools: [
        new FunctionTool({
          name: 'get_weather',
          description: 'Temperature of a city',
          execute: () => ({ temp: -3 }),
        }),
      ],
    });
    const runner = new Runner({
      appName: 'otlp_app',
      agent,
      sessionService: new InMemorySessionService(),
    });
    const events = await runToArray(runner.run('u1', 's9', userContent('Oslo?')));
    await provider.forceFlush();

    expect(received.length).toBeGreaterThan(0);
    expect(received.every((request) => request.path === '/v1/traces')).toBe(true);
    expect(received[0]!.contentType).toContain('application/json');
    const spans = received.flatMap((request) =>
      request.body.resourceSpans.flatMap((resource) =>
        resource.scopeSpans.flatMap((scope) => {
          expect(scope.scope.name).toBe('ferrite');
          return scope.spans;
        }),
      ),
    );
    expect(spans.map((span) => span.name).sort()).toEqual([
      'chat gpt-otlp',
      'chat gpt-otlp',
      'execute_tool get_weather',
      'invocation',
      'invoke_agent weather',
    ]);
    const byName = (name: string) => spans.find((span) => span.name === name)!;
    const invocation = byName('invocation');
    const agentSpan = byName('invoke_agent weather');
    const tool = byName('execute_tool get_weather');
    expect(agentSpan.parentSpanId).toBe(invocation.spanId);
    expect(tool.parentSpanId).toBe(agentSpan.spanId);
    expect(attribute(invocation, A.INVOCATION_ID)).toBe(events[0]!.invocationId);
    expect(attribute(invocation, A.CONVERSATION_ID)).toBe('s9');
    expect(attribute(tool, A.TOOL_CALL_ID)).toBe('call-7');
    expect(attribute(tool, A.OPERATION_NAME)).toBe('execute_tool');
    const firstChat = spans.find(
      (span) => span.name === 'chat gpt-otlp' && attribute(span, A.USAGE_INPUT_TOKENS) === 12,
    );
    expect(firstChat && attribute(firstChat, A.USAGE_OUTPUT_TOKENS)).toBe(4);
    expect(firstChat && attribute(firstChat, A.REQUEST_MODEL)).toBe('gpt-otlp');
  });
});
