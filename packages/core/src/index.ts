export {
  FerriteError,
  type FerriteErrorOptions,
  type FerriteErrorClass,
} from './errors/ferrite-error.js';
export {
  ERROR_STATUS,
  isFerriteErrorCode,
  statusOfCode,
  type FerriteErrorCode,
} from './errors/error-codes.js';
export { InvalidArgumentError } from './errors/invalid-argument-error.js';
export { SessionExistsError } from './errors/session-exists-error.js';
export { SessionNotFoundError } from './errors/session-not-found-error.js';
export { StaleSessionError } from './errors/stale-session-error.js';
export { SessionBusyError } from './errors/session-busy-error.js';
export { ArtifactNotFoundError } from './errors/artifact-not-found-error.js';
export { AgentNotFoundError } from './errors/agent-not-found-error.js';
export { TransferLimitError } from './errors/transfer-limit-error.js';
export { MaxTurnsExceededError } from './errors/max-turns-exceeded-error.js';
export { RunTimeoutError } from './errors/run-timeout-error.js';
export { OutputLimitError } from './errors/output-limit-error.js';
export { ModelBehaviorError } from './errors/model-behavior-error.js';
export { ModelError, type ModelErrorOptions } from './errors/model-error.js';
export { ToolCallError } from './errors/tool-call-error.js';
export { TargetError, type TargetErrorOptions } from './errors/target-error.js';
export { InternalError } from './errors/internal-error.js';
export { PluginError, callPluginHook } from './errors/plugin-error.js';
export {
  OutputValidationError,
  type OutputValidationErrorOptions,
} from './errors/output-validation-error.js';
export {
  InputGuardrailTripwireError,
  OutputGuardrailTripwireError,
  GuardrailError,
  type GuardrailErrorOptions,
} from './errors/guardrail-errors.js';
export { toFerriteError, isAbortError } from './errors/to-ferrite-error.js';
export { ConfirmationMismatchError } from './errors/confirmation-mismatch-error.js';
export { WorkerLostError } from './errors/worker-lost-error.js';
export { UnavailableError } from './errors/unavailable-error.js';
export { RunNotFoundError } from './errors/run-not-found-error.js';
export {
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
  REJECTED_CALL_RESPONSE,
  type ToolConfirmation,
  type ConfirmationRequest,
  type RequireConfirmation,
} from './confirmation/tool-confirmation.js';
export {
  pendingRequestsOf,
  resumedAnswersFor,
  type PendingRequest,
  type PendingConfirmation,
  type PendingToolResult,
  type ResumedAnswer,
  type Resumption,
  type ConfirmationAnswer,
} from './confirmation/pending-requests.js';
export {
  bindAnswers,
  assertNoFunctionCalls,
  type BoundAnswers,
} from './confirmation/bind-answers.js';
export {
  LONG_RUNNING_CONTINUE_KEY,
  isPausingEvent,
  validateLongRunningMode,
  type LongRunningMode,
} from './confirmation/long-running-mode.js';
export {
  NESTED_CALL_KEY,
  pausedUnder,
  requestOwner,
  resumedNestedCallIds,
  resumedOwnersOf,
  type NestedCaller,
  type RequestOwner,
  type ResumedOwner,
} from './confirmation/nested-requests.js';
export { abortableDelay, type AbortableDelayOptions } from './async/abortable-delay.js';
export {
  ObservableReader,
  observableToAsyncIterable,
  type ObservableReaderOptions,
} from './async/observable-reader.js';
export {
  RetryPolicy,
  type RetryAttempt,
  type RetryPolicyConfig,
  type RetryRunOptions,
} from './async/retry-policy.js';
export { parseRetryAfter } from './async/retry-after.js';
export { IdleTimeout } from './async/idle-timeout.js';

export {
  textOf,
  userContent,
  modelContent,
  type Content,
  type Part,
  type InlineData,
  type FileData,
  type FunctionCall,
  type FunctionResponse,
} from './types/content.js';
export {
  createEvent,
  newEventId,
  isFinalResponse,
  getFunctionCalls,
  getFunctionResponses,
  freezeEvent,
  type Event,
  type EventActions,
  type EventInit,
  type Usage,
} from './types/event.js';
export type { Session } from './types/session.js';

export {
  APP_PREFIX,
  USER_PREFIX,
  TEMP_PREFIX,
  scopeOf,
  splitStateDelta,
  withoutTempKeys,
  mergeState,
  hasKeys,
  type StateScope,
  type StateTiers,
} from './state/state-scope.js';
export { validateName, isValidName, validateFilename } from './validation/names.js';
export { toStorableJson, validateContent } from './validation/content.js';

export type {
  SessionService,
  CreateSessionOptions,
  GetSessionOptions,
  ListSessionsOptions,
  ListSessionsResult,
  DeleteSessionOptions,
  AppendEventOptions,
} from './services/session-service.js';
export type {
  ArtifactService,
  ArtifactScope,
  SaveArtifactOptions,
  ArtifactFileOptions,
  LoadArtifactOptions,
  ArtifactVersion,
} from './services/artifact-service.js';
export type {
  MemoryService,
  MemoryEntry,
  SearchMemoryOptions,
  SearchMemoryResult,
  Embedder,
} from './services/memory-service.js';
export {
  sessionLockName,
  validateAcquireOptions,
  type SessionRunLock,
  type SessionLockKey,
  type SessionLockHolder,
  type SessionLockLease,
  type AcquireSessionLockOptions,
} from './services/session-run-lock.js';

export type { Agent } from './agent/agent.js';
export { validateAgentName } from './agent/validate-agent-name.js';
export type { InvocationContext, StateView, ScopedArtifacts } from './agent/invocation-context.js';
export { frozenJsonCopy, jsonCopy } from './validation/json-copy.js';
export { isAborted, throwIfAborted } from './agent/invocation-context.js';
export type { CallbackContext } from './agent/callback-context.js';
export { PRIVATE_BRANCH_KEY, isPrivateToBranch, isWithinBranch } from './agent/private-branch.js';
export type {
  Model,
  ModelRequest,
  ModelResponse,
  GenerateOptions,
  GenerateConfig,
  ToolDeclaration,
} from './model/model.js';
export type { Tool, ToolContext } from './model/tool.js';
export { isToolset, type Toolset } from './model/toolset.js';
export type { JsonSchema } from './model/json-schema.js';
export type { OutputSchemaDeclaration } from './model/output-schema.js';

export {
  resolveRunConfig,
  DEFAULT_RUN_CONFIG,
  type RunConfig,
  type ResolvedRunConfig,
  type StreamingMode,
  type SessionConcurrency,
} from './run/run-config.js';
export type { RunnerConfig, Plugin } from './run/runner-config.js';
export { ShapeKeeper } from './run/keep-shape.js';
export type {
  GuardrailResult,
  InputGuardrail,
  InputGuardrailArgs,
  OutputGuardrail,
  OutputGuardrailArgs,
} from './run/guardrail.js';
export type { TransferInputData, TransferInputFilter } from './run/transfer-input-filter.js';

export {
  noopLogger,
  isLogger,
  safeLog,
  type Logger,
  type LogFields,
  type LogLevel,
} from './telemetry/logger.js';
export { JsonLogger, type JsonLoggerConfig } from './telemetry/json-logger.js';
export { pinoLogger, type PinoLike } from './telemetry/pino-logger.js';
export { type TracingConfig, type TracingMetadataValue } from './telemetry/tracing-config.js';
export {
  TelemetryAttributes,
  TelemetryOperations,
  TelemetryMetrics,
  TELEMETRY_SCOPE,
} from './telemetry/telemetry-names.js';
export { setTraceParent, traceParentOf } from './telemetry/trace-parent.js';
export {
  invocationAttributes,
  agentSpanAttributes,
  agentSpanName,
  spanText,
  errorTypeOf,
  type SpanAttributes,
  type SpanAttributeValue,
} from './telemetry/span-attributes.js';
