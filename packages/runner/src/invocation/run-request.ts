import type {
  ArtifactService,
  Content,
  MemoryService,
  Plugin,
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
}

/** One validated call of `run`. */
export interface RunRequest {
  userId: string;
  sessionId: string;
  message: Content;
  stateDelta: Record<string, unknown> | undefined;
  runConfig: ResolvedRunConfig;
}
