import { SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import {
  TELEMETRY_SCOPE,
  TelemetryAttributes as A,
  errorTypeOf,
  isAborted,
  invocationAttributes,
  spanText,
  traceParentOf,
  type FunctionCall,
  type InvocationContext,
  type Tool,
} from '@ferrite/core';
import { agentInstruments } from './agent-metrics.js';
import { endSpanWithError } from './span-end.js';

/**
 * Runs one tool call inside an `execute_tool {tool}` span (a child of the agent's span) with
 * the tool's name, the call id and, when the run opts in with `tracing.includeSensitiveData`,
 * the arguments and the result. A tool that throws ends its span with status ERROR and counts
 * in `ferrite.tool.errors`, whether the error goes back to the model or fails the run.
 */
export function traceToolCall<TResult>(
  context: InvocationContext,
  tool: Tool,
  call: FunctionCall,
  execute: () => Promise<TResult>,
): Promise<TResult> {
  const parent = traceParentOf(context) as Context | undefined;
  const instruments = agentInstruments();
  // Nothing recorded: the call itself, without an async frame around it.
  if (parent === undefined && instruments === undefined) return execute();
  return traced(context, tool, call, execute, parent, instruments);
}

async function traced<TResult>(
  context: InvocationContext,
  tool: Tool,
  call: FunctionCall,
  execute: () => Promise<TResult>,
  parent: Context | undefined,
  instruments: ReturnType<typeof agentInstruments>,
): Promise<TResult> {
  const span = parent ? startSpan(context, tool, call, parent) : undefined;
  let result: TResult;
  try {
    result = await execute();
  } catch (error) {
    if (span) endSpanWithError(span, error);
    // A call stopped with its run is no tool error.
    if (instruments && !isAborted(context)) {
      instruments.toolErrors.add(1, {
        [A.TOOL_NAME]: tool.name,
        [A.ERROR_TYPE]: errorTypeOf(error),
      });
    }
    throw error;
  }
  if (span) {
    if (context.runConfig.tracing?.includeSensitiveData === true) {
      span.setAttribute(A.TOOL_CALL_RESULT, spanText(result));
    }
    span.end();
  }
  return result;
}

function startSpan(
  context: InvocationContext,
  tool: Tool,
  call: FunctionCall,
  parent: Context,
): Span {
  const attributes = invocationAttributes(context);
  attributes[A.OPERATION_NAME] = 'execute_tool';
  attributes[A.AGENT_NAME] = context.agent.name;
  attributes[A.TOOL_NAME] = tool.name;
  attributes[A.TOOL_CALL_ID] = call.id;
  attributes[A.TOOL_TYPE] = 'function';
  if (tool.description) attributes[A.TOOL_DESCRIPTION] = tool.description;
  if (context.runConfig.tracing?.includeSensitiveData === true) {
    attributes[A.TOOL_CALL_ARGUMENTS] = spanText(call.args);
  }
  return trace
    .getTracer(TELEMETRY_SCOPE)
    .startSpan(`execute_tool ${tool.name}`, { kind: SpanKind.INTERNAL, attributes }, parent);
}
