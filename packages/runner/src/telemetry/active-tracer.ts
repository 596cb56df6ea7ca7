import { ProxyTracerProvider, trace, type Tracer } from '@opentelemetry/api';
import { TELEMETRY_SCOPE } from '@ferrite/core';

/**
 * The tracer of the registered tracer provider; undefined while none is registered, which is
 * how a run skips tracing entirely (no span objects, no attributes) when the application did
 * not set OpenTelemetry up.
 */
export function activeTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider) return provider.getDelegateTracer(TELEMETRY_SCOPE);
  // A provider registered through another copy of the API: ask it directly.
  return provider.getTracer(TELEMETRY_SCOPE);
}
