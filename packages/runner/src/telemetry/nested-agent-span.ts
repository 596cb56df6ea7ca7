import { SpanKind, trace, type Context } from '@opentelemetry/api';
import {
  TELEMETRY_SCOPE,
  TelemetryAttributes as A,
  agentSpanAttributes,
  agentSpanName,
  setTraceParent,
  traceParentOf,
  type Agent,
  type Event,
} from '@ferrite/core';
import type { RunInvocationContext } from '../context/run-invocation-context.js';
import { endSpanWithError } from './span-end.js';

/**
 * A nested agent run (an agent used as a tool, through `context.runAgent`) inside an
 * `invoke_agent {agent}` span, a child of the calling agent's span, so the nested agent's model
 * and tool calls nest under it. The run itself when the invocation is not traced.
 */
export function traceNestedRun(
  parent: RunInvocationContext,
  agent: Agent,
  branch: string,
  run: () => AsyncGenerator<Event>,
): AsyncGenerator<Event> {
  const parentTrace = traceParentOf(parent) as Context | undefined;
  if (parentTrace === undefined) return run();
  return traced(parent.withAgent(agent, { branch }), agent, parentTrace, run);
}

async function* traced(
  context: RunInvocationContext,
  agent: Agent,
  parent: Context,
  run: () => AsyncGenerator<Event>,
): AsyncGenerator<Event> {
  const span = trace
    .getTracer(TELEMETRY_SCOPE)
    .startSpan(
      agentSpanName(agent.name),
      { kind: SpanKind.INTERNAL, attributes: agentSpanAttributes(context) },
      parent,
    );
  // The nested run asks for the same context (same agent and branch), so it finds this parent.
  setTraceParent(context, trace.setSpan(parent, span));
  let outcome: 'completed' | 'failed' | undefined;
  try {
    yield* run();
    outcome = 'completed';
  } catch (error) {
    outcome = 'failed';
    endSpanWithError(span, error);
    throw error;
  } finally {
    if (outcome === 'completed') span.end();
    else if (outcome === undefined) {
      // Stopped early: by the run or by the tool call's signal.
      if (context.signal.aborted) {
        span.setAttribute(A.OUTCOME, 'cancelled');
        endSpanWithError(span, context.signal.reason);
      } else span.end();
    }
  }
}
