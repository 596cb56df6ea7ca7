import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';

/** A metric reader that collects on demand, for tests. */
class CollectingMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The SDK pieces a test file registers globally, with helpers to read what they recorded. */
export interface OtelHarness {
  exporter: InMemorySpanExporter;
  provider: BasicTracerProvider;
  reader: CollectingMetricReader;
  /** Unregisters everything. */
  dispose(): Promise<void>;
}

/** Registers a tracer provider with an in-memory exporter, a meter provider and an ALS context. */
export function registerOtel(): OtelHarness {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new CollectingMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    exporter,
    provider,
    reader,
    async dispose() {
      trace.disable();
      metrics.disable();
      context.disable();
      await provider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The one finished span with that name (fails when there are none or several). */
export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one span '${name}', found ${found.length} among ${spans.map((s) => s.name).join(', ')}`,
    );
  }
  return found[0]!;
}

/** The id of a span's parent, undefined for a root. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The data points of a metric (summed over every scope), by name. */
export async function dataPoints(
  reader: MetricReader,
  name: string,
): Promise<DataPoint<number | Histogram>[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as DataPoint<number | Histogram>[]),
  );
}
