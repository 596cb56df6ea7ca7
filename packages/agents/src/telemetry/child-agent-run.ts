import { SpanKind, trace, type Context } from '@opentelemetry/api';
import {
  TELEMETRY_SCOPE,
  agentSpanAttributes,
  agentSpanName,
  setTraceParent,
  traceParentOf,
  type Agent,
  type Event,
  type InvocationContext,
} from '@ferrite/core';
import { eventsOf } from '../agent/events-of.js';
import { endSpanWithError } from './span-end.js';

/**
 * Runs a workflow agent's child in its context (`context.withAgent(child, options)`) and reads
 * its events; when the run is traced, inside an `invoke_agent {child}` span that is a child of
 * the workflow agent's span, so parallel branches each nest under their own agent.
 */
export function runChildAgent(
  context: InvocationContext,
  child: Agent,
  options?: { branch?: string },
): AsyncGenerator<Event> {
  const childContext = context.withAgent(child, options);
  const parent = traceParentOf(context) as Context | undefined;
  if (parent === undefined) return eventsOf(child.run(childContext));
  return tracedEvents(childContext, child, parent);
}

async function* tracedEvents(
  context: InvocationContext,
  child: Agent,
  parent: Context,
): AsyncGenerator<Event> {
  const span = trace
    .getTracer(TELEMETRY_SCOPE)
    .startSpan(
      agentSpanName(child.name),
      { kind: SpanKind.INTERNAL, attributes: agentSpanAttributes(context) },
      parent,
    );
  setTraceParent(context, trace.setSpan(parent, span));
  let outcome: 'completed' | 'failed' | undefined;
  try {
    yield* eventsOf(child.run(context));
    outcome = 'completed';
  } catch (error) {
    outcome = 'failed';
    endSpanWithError(span, error);
    throw error;
  } finally {
    if (outcome === 'completed') span.end();
    // Stopped early: by the run (cancelled or failed elsewhere) or by its workflow agent.
    else if (outcome === undefined) {
      if (context.signal.aborted) endSpanWithError(span, context.signal.reason);
      else span.end();
    }
  }
}
