// What tracing costs on the tool turn (user message → model call with one function call →
// tool → model call with the final text; four events stored, three emitted), through Ferrite's
// public API (Runner, LlmAgent, FunctionTool, InMemorySessionService), each turn on a new session.
//
// Cases, measured in interleaved rounds, best round kept, this process's CPU time:
// - `tracing disabled`: RunConfig.tracing.disabled, the baseline;
// - `tracing on, no SDK`: the default with no OpenTelemetry SDK registered (what every user who
//   does not set OpenTelemetry up runs); goal: within 5 % of the baseline;
// - then, with the SDK registered (BasicTracerProvider + SimpleSpanProcessor + an in-memory
//   exporter, AsyncLocalStorage context manager): `SDK, tracing disabled` and `SDK, in-memory
//   exporter`, reported as measured (5 spans a turn: invocation, invoke_agent, chat, execute_tool,
//   chat).
//
// Honesty checks (a failure throws, no figure is printed): every turn emitted 3 events ending in
// the final text; with the SDK, every traced turn exported 5 spans and the disabled one none.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Content, Model, ModelRequest, ModelResponse, RunConfig } from '@ferrite/core';
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { bestOf, ratio, report } from './harness.js';

const TURNS = 2_000;
const ROUNDS = 5;
const FINAL_TEXT = 'It is 21 degrees.';
const SPANS_PER_TURN = 5;

/** Answers the newest content: a function call to the question, the text to the tool result. */
class WeatherModel implements Model {
  readonly name = 'scripted-weather';

  async *generate(request: ModelRequest): AsyncIterable<ModelResponse> {
    const part = request.contents.at(-1)?.parts[0];
    const content: Content = part?.functionResponse
      ? { role: 'model', parts: [{ text: FINAL_TEXT }] }
      : {
          role: 'model',
          parts: [{ functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } } }],
        };
    yield { content, usage: { inputTokens: 20, outputTokens: 5 } };
  }
}

function makeRunner(): Runner {
  const agent = new LlmAgent({
    name: 'weather_agent',
    model: new WeatherModel(),
    instruction: 'You answer questions about the weather. Use get_weather.',
    tools: [
      new FunctionTool({
        name: 'get_weather',
        description: 'Returns the current temperature for a city.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
        execute: () => ({ temp: 21 }),
      }),
    ],
  });
  return new Runner({
    appName: 'tracing-bench',
    agent,
    sessionService: new InMemorySessionService(),
  });
}

const runner = makeRunner();
let sessionCounter = 0;

function turn(runConfig: RunConfig | undefined): Promise<void> {
  const sessionId = `s${++sessionCounter}`;
  return new Promise((resolve, reject) => {
    let emitted = 0;
    let last: string | undefined;
    runner
      .run(
        'bench-user',
        sessionId,
        { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
        runConfig ? { runConfig } : {},
      )
      .subscribe({
        next: (event) => {
          emitted += 1;
          last = event.content?.parts[0]?.text;
        },
        error: reject,
        complete: () => {
          if (emitted !== 3 || last !== FINAL_TEXT) {
            reject(new Error(`turn emitted ${emitted} events ending in ${String(last)}`));
          } else resolve();
        },
      });
  });
}

const disabled: RunConfig = { tracing: { disabled: true } };
const options = { operations: TURNS, warmup: 500, clock: 'cpu' as const };

const off = await bestOf(
  ROUNDS,
  {
    'tracing disabled (baseline)': () => turn(disabled),
    'tracing on, no SDK': () => turn(undefined),
  },
  options,
);

// With the SDK registered: spans are recorded and exported to memory (cleared as they pile up).
// First without a context manager (Ferrite passes parents explicitly, so nesting holds), then
// with the AsyncLocalStorage one most applications register, which taxes every promise.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
await turn(undefined);
if (exporter.getFinishedSpans().length !== SPANS_PER_TURN) {
  throw new Error(
    `a traced turn exported ${exporter.getFinishedSpans().length} spans, not ${SPANS_PER_TURN}`,
  );
}
exporter.reset();
await turn(disabled);
if (exporter.getFinishedSpans().length !== 0) throw new Error('a disabled turn exported spans');
const traced = (): Promise<void> => {
  if (exporter.getFinishedSpans().length > 50_000) exporter.reset();
  return turn(undefined);
};
const sdk = await bestOf(
  ROUNDS,
  { 'SDK, tracing disabled': () => turn(disabled), 'SDK, in-memory exporter': traced },
  options,
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const als = await bestOf(
  ROUNDS,
  {
    'SDK + ALS context, tracing disabled': () => turn(disabled),
    'SDK + ALS context, in-memory exporter': traced,
  },
  options,
);
trace.disable();
context.disable();
await provider.shutdown();

const [baseline, noSdk] = off;
const [sdkDisabled, sdkTraced] = sdk;
const [alsDisabled, alsTraced] = als;
report(
  'Tracing cost per tool turn (CPU µs, best of interleaved rounds)',
  [...off, ...sdk, ...als],
  {
    'tracing on, no SDK / disabled (goal ≤ 1.05)': ratio(noSdk!, baseline!),
    'SDK in-memory exporter / SDK disabled': ratio(sdkTraced!, sdkDisabled!),
    'SDK + ALS in-memory exporter / SDK + ALS disabled': ratio(alsTraced!, alsDisabled!),
    'SDK + ALS disabled / baseline (the context manager alone)': ratio(alsDisabled!, baseline!),
  },
);
