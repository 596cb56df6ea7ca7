import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { TelemetryAttributes, errorTypeOf } from '@ferrite/core';

/**
 * Ends a span that failed: `error.type` (the Ferrite code, or `cancelled`), status ERROR with the
 * error's message, and the exception recorded (not for a cancellation, which is no fault).
 */
export function endSpanWithError(span: Span, error: unknown): void {
  const type = errorTypeOf(error);
  span.setAttribute(TelemetryAttributes.ERROR_TYPE, type);
  const message = error instanceof Error ? error.message : String(error);
  if (type !== 'cancelled' && error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}
