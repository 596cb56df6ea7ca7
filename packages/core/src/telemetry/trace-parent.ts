import type { InvocationContext } from '../agent/invocation-context.js';

/**
 * The OpenTelemetry context each agent context's work nests under (its agent span), set by the
 * runner and by workflow agents. Kept opaque here so core does not depend on OpenTelemetry; a
 * context without an entry is not traced, which is how model and tool calls skip tracing at the
 * cost of one lookup.
 */
const parents = new WeakMap<InvocationContext, unknown>();

/** Records the trace context (an OpenTelemetry `Context`) work of `context` nests under. */
export function setTraceParent(context: InvocationContext, parent: unknown): void {
  if (parent === undefined) parents.delete(context);
  else parents.set(context, parent);
}

/** The trace context work of `context` nests under; undefined when the run is not traced. */
export function traceParentOf(context: InvocationContext): unknown {
  return parents.get(context);
}
