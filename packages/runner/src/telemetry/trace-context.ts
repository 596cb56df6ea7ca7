import { ROOT_CONTEXT, context, propagation, type Context } from '@opentelemetry/api';
import { InvalidArgumentError } from '@ferrite/core';

/**
 * A trace context as plain strings (W3C `traceparent` and `tracestate`, or whatever fields the
 * registered propagator writes), to carry across a queue, a process or a wire.
 */
export type TraceCarrier = Record<string, string>;

const MAX_FIELDS = 16;
const MAX_VALUE_LENGTH = 4096;

/**
 * The active trace context written into a new carrier through the propagator the application
 * registered (`propagation.setGlobalPropagator`). Empty when no propagator is registered or no
 * span is active. Pass it to `Runner.run(…, { traceContext })` on the other side.
 *
 * @example
 * ```ts
 * await queue.add('run', { userId, sessionId, message, traceContext: injectTraceContext() });
 * ```
 */
export function injectTraceContext(from: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(from, carrier);
  return carrier;
}

/** The trace context a carrier holds, read through the registered propagator. */
export function extractTraceContext(carrier: TraceCarrier, into: Context = ROOT_CONTEXT): Context {
  return propagation.extract(into, validateTraceCarrier(carrier));
}

/** Checks a carrier given to a run: a plain object of at most 16 bounded string fields. */
function validateTraceCarrier(carrier: unknown): TraceCarrier {
  if (typeof carrier !== 'object' || carrier === null || Array.isArray(carrier)) {
    throw new InvalidArgumentError('traceContext must be an object of strings');
  }
  const entries = Object.entries(carrier);
  if (entries.length > MAX_FIELDS) {
    throw new InvalidArgumentError(`traceContext holds more than ${MAX_FIELDS} fields`);
  }
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH) {
      throw new InvalidArgumentError(
        `traceContext.${key.slice(0, 64)} must be a string of at most ${MAX_VALUE_LENGTH} characters`,
      );
    }
  }
  return carrier as TraceCarrier;
}

/** The OpenTelemetry context active now (the root one when no context manager is registered). */
export function activeTraceContext(): Context {
  return context.active();
}

/**
 * The context a run's spans nest under: the carrier's when one is given (validated), else the
 * caller's, taken when `run` was called (so a run started inside a request span is its child).
 */
export function parentContextOf(carrier: unknown, caller: Context): Context {
  return carrier === undefined ? caller : extractTraceContext(validateTraceCarrier(carrier));
}
