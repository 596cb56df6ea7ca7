import type { Context } from '@opentelemetry/api';
import type {
  ArtifactService,
  Content,
  MemoryService,
  Plugin,
  Logger,
  ResolvedRunConfig,
  SessionService,
} from '@ferrite/core';
import type { AgentTree } from '../runner/agent-tree.js';

/** What a Runner lends each invocation. */
export interface RunnerParts {
  appName: string;
  tree: AgentTree;
  sessionService: SessionService;
  artifactService: ArtifactService | undefined;
  memoryService: MemoryService | undefined;
  plugins: readonly Plugin[];
  /** The run lifecycle log (the no-op logger when none is configured). */
  logger: Logger;
}

/** One validated call of `run`. */
export interface RunRequest {
  userId: string;
  sessionId: string;
  message: Content;
  stateDelta: Record<string, unknown> | undefined;
  /** The id the caller chose for the invocation (`RunOptions.invocationId`). */
  invocationId: string | undefined;
  runConfig: ResolvedRunConfig;
  /** The trace context the run's spans nest under. */
  parentContext: Context;
}
