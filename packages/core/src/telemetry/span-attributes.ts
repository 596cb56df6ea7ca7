import type { InvocationContext } from '../agent/invocation-context.js';
import { FerriteError } from '../errors/ferrite-error.js';
import { TelemetryAttributes as A } from './telemetry-names.js';

/** Attribute values a span accepts. */
export type SpanAttributeValue = string | number | boolean;

/** A flat record of span attributes. */
export type SpanAttributes = Record<string, SpanAttributeValue>;

/**
 * The attributes every span of an invocation carries: session (`gen_ai.conversation.id`),
 * invocation, app and user ids, the branch, and the run's `tracing.workflowName` and
 * `tracing.metadata`.
 */
export function invocationAttributes(context: InvocationContext): SpanAttributes {
  const attributes: SpanAttributes = {
    [A.CONVERSATION_ID]: context.session.id,
    [A.INVOCATION_ID]: context.invocationId,
    [A.APP_NAME]: context.appName,
    [A.USER_ID]: context.userId,
  };
  if (context.branch !== undefined) attributes[A.BRANCH] = context.branch;
  const tracing = context.runConfig.tracing;
  if (tracing?.workflowName !== undefined) attributes[A.WORKFLOW_NAME] = tracing.workflowName;
  if (tracing?.metadata) {
    for (const [key, value] of Object.entries(tracing.metadata)) {
      attributes[`${A.METADATA_PREFIX}${key}`] = value;
    }
  }
  return attributes;
}

/** The attributes of an agent's span (`invoke_agent {agent}`). */
export function agentSpanAttributes(context: InvocationContext): SpanAttributes {
  const attributes = invocationAttributes(context);
  attributes[A.OPERATION_NAME] = 'invoke_agent';
  attributes[A.AGENT_NAME] = context.agent.name;
  if (context.agent.description) attributes[A.AGENT_DESCRIPTION] = context.agent.description;
  return attributes;
}

/** The name of an agent's span, as the semantic conventions suggest. */
export function agentSpanName(agentName: string): string {
  return `invoke_agent ${agentName}`;
}

/**
 * Text for a span attribute, cut to `limit` characters so a large prompt or tool result never
 * makes an unbounded span; values that are not JSON-serializable are described instead.
 */
export function spanText(value: unknown, limit = 16_384): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch (error) {
    text = `[not serializable: ${(error as Error).message}]`;
  }
  return text.length > limit ? `${text.slice(0, limit)}…[${text.length - limit} more]` : text;
}

/**
 * The `error.type` of a failure: a Ferrite error's code (`model.error`, `run.max_turns`…),
 * `cancelled` for an abort, else the error's name.
 */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    const name = (error as { name?: unknown }).name;
    if (FerriteError.isInstance(error) && typeof code === 'string') return code;
    if (name === 'AbortError') return 'cancelled';
    if (typeof name === 'string' && name !== '') return name;
  }
  return '_OTHER';
}
