import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { SpanStore } from '@ferrite/server';

/**
 * Registers a tracer provider whose only processor is `store`, so the runs of this process are
 * traced into the Dev UI's Traces tab. False when the process already registered a provider:
 * that one stays, and the store receives spans only if the application added it there.
 */
export function traceInto(store: SpanStore): boolean {
  return trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [store] }));
}
