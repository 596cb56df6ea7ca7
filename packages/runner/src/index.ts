export { Runner, type RunOptions, type RunLiveOptions } from './runner/runner.js';
export { runToArray } from './consume/run-to-array.js';
export { toAsyncIterable } from './consume/to-async-iterable.js';
export { InProcessSessionLock } from './concurrency/in-process-session-lock.js';
export type {
  PendingInbox,
  PendingInboxOptions,
  PendingSession,
} from './pending/pending-queries.js';
export {
  injectTraceContext,
  extractTraceContext,
  type TraceCarrier,
} from './telemetry/trace-context.js';
export type {
  RunnerConfig,
  RunConfig,
  ResolvedRunConfig,
  Plugin,
  SessionRunLock,
  SessionConcurrency,
} from '@ferrite/core';
