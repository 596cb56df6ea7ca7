import { performance } from 'node:perf_hooks';
import { SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import {
  TELEMETRY_SCOPE,
  TelemetryAttributes as A,
  errorTypeOf,
  invocationAttributes,
  spanText,
  traceParentOf,
  type InvocationContext,
  type Model,
  type ModelRequest,
  type ModelResponse,
} from '@ferrite/core';
import { agentInstruments, type AgentInstruments } from './agent-metrics.js';
import { endSpanWithError } from './span-end.js';

/**
 * The model call's responses, unchanged, inside a `chat {model}` span (a child of the agent's
 * span) with the request model, the usage of the complete response and, when the run opts in
 * with `tracing.includeSensitiveData`, the input and output messages; and the call's duration and
 * token usage recorded as metrics. Returns `responses` itself when nothing is recorded.
 */
export function traceModelCall(
  context: InvocationContext,
  model: Model,
  request: ModelRequest,
  responses: AsyncIterable<ModelResponse>,
): AsyncIterable<ModelResponse> {
  const parent = traceParentOf(context) as Context | undefined;
  const instruments = agentInstruments();
  if (parent === undefined && instruments === undefined) return responses;
  return traced(context, model, request, responses, parent, instruments);
}

async function* traced(
  context: InvocationContext,
  model: Model,
  request: ModelRequest,
  responses: AsyncIterable<ModelResponse>,
  parent: Context | undefined,
  instruments: AgentInstruments | undefined,
): AsyncGenerator<ModelResponse> {
  const started = performance.now();
  const span = parent ? startSpan(context, model, request, parent) : undefined;
  let final: ModelResponse | undefined;
  let failure: { error: unknown } | undefined;
  try {
    for await (const response of responses) {
      if (!response.partial) final = response;
      yield response;
    }
  } catch (error) {
    failure = { error };
    throw error;
  } finally {
    // A consumer that stops early (the run was stopped) ends up here without an error.
    if (!failure && !final && context.signal.aborted) failure = { error: context.signal.reason };
    const errorType = failure ? errorTypeOf(failure.error) : undefined;
    if (span) {
      if (final) recordAnswer(context, span, final);
      if (failure) endSpanWithError(span, failure.error);
      else span.end();
    }
    if (instruments) record(instruments, model, started, final, errorType);
  }
}

function startSpan(
  context: InvocationContext,
  model: Model,
  request: ModelRequest,
  parent: Context,
): Span {
  const attributes = invocationAttributes(context);
  attributes[A.OPERATION_NAME] = 'chat';
  attributes[A.AGENT_NAME] = context.agent.name;
  attributes[A.REQUEST_MODEL] = model.name;
  const config = request.config;
  if (config?.temperature !== undefined)
    attributes['gen_ai.request.temperature'] = config.temperature;
  if (config?.topP !== undefined) attributes['gen_ai.request.top_p'] = config.topP;
  if (config?.maxOutputTokens !== undefined)
    attributes['gen_ai.request.max_tokens'] = config.maxOutputTokens;
  if (context.runConfig.tracing?.includeSensitiveData === true) {
    attributes[A.INPUT_MESSAGES] = spanText(request.contents);
    if (request.systemInstruction)
      attributes[A.SYSTEM_INSTRUCTIONS] = spanText(request.systemInstruction);
  }
  return trace
    .getTracer(TELEMETRY_SCOPE)
    .startSpan(`chat ${model.name}`, { kind: SpanKind.CLIENT, attributes }, parent);
}

function recordAnswer(context: InvocationContext, span: Span, final: ModelResponse): void {
  const usage = final.usage;
  if (usage?.inputTokens !== undefined) span.setAttribute(A.USAGE_INPUT_TOKENS, usage.inputTokens);
  if (usage?.outputTokens !== undefined)
    span.setAttribute(A.USAGE_OUTPUT_TOKENS, usage.outputTokens);
  if (final.finishReason !== undefined)
    span.setAttribute(A.RESPONSE_FINISH_REASONS, [final.finishReason]);
  if (context.runConfig.tracing?.includeSensitiveData === true && final.content) {
    span.setAttribute(A.OUTPUT_MESSAGES, spanText([final.content]));
  }
}

function record(
  instruments: AgentInstruments,
  model: Model,
  started: number,
  final: ModelResponse | undefined,
  errorType: string | undefined,
): void {
  const attributes: Record<string, string> = {
    [A.OPERATION_NAME]: 'chat',
    [A.REQUEST_MODEL]: model.name,
  };
  if (errorType !== undefined) attributes[A.ERROR_TYPE] = errorType;
  instruments.operationDuration.record((performance.now() - started) / 1000, attributes);
  const usage = final?.usage;
  if (usage?.inputTokens !== undefined) {
    instruments.tokenUsage.record(usage.inputTokens, { ...attributes, [A.TOKEN_TYPE]: 'input' });
  }
  if (usage?.outputTokens !== undefined) {
    instruments.tokenUsage.record(usage.outputTokens, { ...attributes, [A.TOKEN_TYPE]: 'output' });
  }
}
