import { ROOT_CONTEXT, propagation, trace } from '@opentelemetry/api';

/**
 * The trace fields of a request (`traceparent`, `tracestate`, or whatever the registered
 * propagator reads), to continue its trace in the run; undefined when it carries none or no
 * propagator is registered.
 */
export function traceCarrierOf(request: Request): Record<string, string> | undefined {
  let carrier: Record<string, string> | undefined;
  for (const field of propagation.fields()) {
    const value = request.headers.get(field);
    if (value !== null) (carrier ??= {})[field] = value;
  }
  return carrier;
}

/** The trace id a request continues, when it carries a valid trace context. */
export function traceIdOf(carrier: Record<string, string> | undefined): string | undefined {
  if (!carrier) return undefined;
  return trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier))?.traceId;
}
