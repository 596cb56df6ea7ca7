/**
 * The span attribute names Ferrite writes: the OpenTelemetry semantic conventions for
 * generative AI (`gen_ai.*`) and Ferrite's own (`ferrite.*`). Tools that read Ferrite's spans
 * (a span store, a dashboard) match on these.
 */
export const TelemetryAttributes = Object.freeze({
  OPERATION_NAME: 'gen_ai.operation.name',
  PROVIDER_NAME: 'gen_ai.provider.name',
  AGENT_NAME: 'gen_ai.agent.name',
  AGENT_DESCRIPTION: 'gen_ai.agent.description',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  REQUEST_MODEL: 'gen_ai.request.model',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  TOOL_NAME: 'gen_ai.tool.name',
  TOOL_CALL_ID: 'gen_ai.tool.call.id',
  TOOL_DESCRIPTION: 'gen_ai.tool.description',
  TOOL_TYPE: 'gen_ai.tool.type',
  TOOL_CALL_ARGUMENTS: 'gen_ai.tool.call.arguments',
  TOOL_CALL_RESULT: 'gen_ai.tool.call.result',
  INPUT_MESSAGES: 'gen_ai.input.messages',
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  SYSTEM_INSTRUCTIONS: 'gen_ai.system_instructions',
  TOKEN_TYPE: 'gen_ai.token.type',
  ERROR_TYPE: 'error.type',
  INVOCATION_ID: 'ferrite.invocation.id',
  APP_NAME: 'ferrite.app.name',
  USER_ID: 'ferrite.user.id',
  EVENT_ID: 'ferrite.event.id',
  BRANCH: 'ferrite.branch',
  WORKFLOW_NAME: 'ferrite.workflow.name',
  /** Prefix of `RunConfig.tracing.metadata` keys. */
  METADATA_PREFIX: 'ferrite.metadata.',
  /** How a run or span ended: `completed`, `failed`, `cancelled`, `interrupted`. */
  OUTCOME: 'ferrite.outcome',
});

/** The `gen_ai.operation.name` values Ferrite's spans carry. */
export const TelemetryOperations = Object.freeze({
  INVOKE_AGENT: 'invoke_agent',
  CHAT: 'chat',
  EXECUTE_TOOL: 'execute_tool',
});

/** The metric instrument names Ferrite records through the OpenTelemetry metrics API. */
export const TelemetryMetrics = Object.freeze({
  /** Histogram, seconds: one run, from the agent's start to its end. */
  RUN_DURATION: 'ferrite.run.duration',
  /** Up-down counter: runs executing now. */
  ACTIVE_RUNS: 'ferrite.run.active',
  /** Histogram, seconds: one model call (semantic conventions). */
  OPERATION_DURATION: 'gen_ai.client.operation.duration',
  /** Histogram, tokens, by `gen_ai.token.type` (semantic conventions). */
  TOKEN_USAGE: 'gen_ai.client.token.usage',
  /** Counter: tool calls that failed (returned to the model as an error or failing the run). */
  TOOL_ERRORS: 'ferrite.tool.errors',
  /** Up-down counter: clients connected to event streams of the HTTP server. */
  SSE_CLIENTS: 'ferrite.server.sse.clients',
});

/** The instrumentation scope (tracer and meter name) of Ferrite's spans and metrics. */
export const TELEMETRY_SCOPE = 'ferrite';
