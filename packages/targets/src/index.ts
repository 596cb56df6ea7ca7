export { ProcessAgent, type ProcessAgentConfig } from './process/process-agent.js';
export type { TargetInputMessage } from './protocol/target-message.js';
export { HttpAgent, type HttpAgentConfig, type HttpRetryConfig } from './http/http-agent.js';
export { BodyTemplate, DEFAULT_BODY_TEMPLATE, type TemplateValues } from './http/body-template.js';
export {
  WebSocketAgent,
  type WebSocketAgentConfig,
  type WebSocketReconnectConfig,
} from './websocket/websocket-agent.js';
export {
  runBatch,
  percentile,
  type RunBatchOptions,
  type ProgressStream,
} from './batch/run-batch.js';
export {
  readDataset,
  datasetFormatOf,
  type DatasetRow,
  type DatasetFormat,
} from './batch/read-dataset.js';
export type { BatchRunner, BatchResult, BatchSummary, BatchProgress } from './batch/batch-types.js';
export { runBatchCli, BATCH_USAGE, type CliOutput } from './cli/batch-cli.js';
export { loadRunner } from './cli/load-runner.js';
