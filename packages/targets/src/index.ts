// The public surface: the three target agents, the protocol's input message, and batch runs.
// What only the ferrite-batch command and the tests use (the CLI, runner loading, dataset
// reading, percentiles, the body-template engine) stays inside the package.
export type { TargetAgentConfig } from './internal/target-agent.js';
export { ProcessAgent, type ProcessAgentConfig } from './process/process-agent.js';
export { HttpAgent, type HttpAgentConfig, type HttpRetryConfig } from './http/http-agent.js';
export {
  WebSocketAgent,
  type WebSocketAgentConfig,
  type WebSocketReconnectConfig,
} from './websocket/websocket-agent.js';
export type { TargetInputMessage } from './protocol/target-message.js';
export { runBatch, type RunBatchOptions, type ProgressStream } from './batch/run-batch.js';
export type { DatasetFormat } from './batch/read-dataset.js';
export type { BatchRunner, BatchResult, BatchSummary, BatchProgress } from './batch/batch-types.js';
