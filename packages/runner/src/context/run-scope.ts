import {
  ShapeKeeper,
  MaxTurnsExceededError,
  type ArtifactService,
  type Content,
  type MemoryEntry,
  type MemoryService,
  type Plugin,
  type Agent,
  type Event,
  type ResolvedRunConfig,
  type Session,
} from '@ferrite/core';
import type { RunInvocationContext } from './run-invocation-context.js';

const NO_MEMORIES: readonly MemoryEntry[] = Object.freeze([]);

/** What one invocation's contexts share (every agent and branch of it). */
export interface RunScopeConfig {
  invocationId: string;
  appName: string;
  userId: string;
  session: Session;
  userContent: Content;
  runConfig: ResolvedRunConfig;
  /** Where the run's signal is read from, when somebody asks for it (it is made on first read). */
  signalSource: { readonly signal: AbortSignal; readonly aborted: boolean };
  artifactService?: ArtifactService | undefined;
  memoryService?: MemoryService | undefined;
  plugins?: readonly Plugin[] | undefined;
}

const runScopeShape = new ShapeKeeper<RunScope>();

/**
 * The state one invocation's contexts share: session, signal, model-call counter and the
 * `ended` flag. Contexts for other agents and branches are views over it.
 */
export class RunScope {
  readonly invocationId: string;
  readonly appName: string;
  readonly userId: string;
  readonly session: Session;
  readonly runConfig: ResolvedRunConfig;
  readonly #signalSource: RunScopeConfig['signalSource'];
  readonly artifactService: ArtifactService | undefined;
  readonly memory: { search(query: string, limit?: number): Promise<MemoryEntry[]> } | undefined;
  userContent: Content;
  memories: readonly MemoryEntry[] = NO_MEMORIES;
  ended = false;
  /** The Runner's plugins (agents call their model and tool hooks). */
  readonly plugins: readonly Plugin[];
  /** Runs an agent nested in this invocation; set by the invocation once its pipeline exists. */
  runNested:
    | ((
        parent: RunInvocationContext,
        agent: Agent,
        message: Content,
        options: { branch: string; signal?: AbortSignal | undefined },
      ) => AsyncIterable<Event>)
    | undefined;
  #modelCalls = 0;

  constructor(init: RunScopeConfig) {
    this.invocationId = init.invocationId;
    this.appName = init.appName;
    this.userId = init.userId;
    this.session = init.session;
    this.userContent = init.userContent;
    this.runConfig = init.runConfig;
    const signalSource = init.signalSource;
    this.#signalSource = signalSource;
    this.artifactService = init.artifactService;
    this.plugins = init.plugins ?? [];
    const memoryService = init.memoryService;
    this.memory = memoryService
      ? {
          search: async (query: string, limit?: number): Promise<MemoryEntry[]> => {
            const result = await memoryService.searchMemory({
              appName: init.appName,
              userId: init.userId,
              query,
              signal: signalSource.signal,
              ...(limit === undefined ? {} : { limit }),
            });
            return result.memories;
          },
        }
      : undefined;
    runScopeShape.keep(this);
  }

  /** The run's signal (made on first read). */
  get signal(): AbortSignal {
    return this.#signalSource.signal;
  }

  /** True once the run's signal is aborted, read without making the signal. */
  get aborted(): boolean {
    return this.#signalSource.aborted;
  }

  /** Counts one model call; throws MaxTurnsExceededError past `runConfig.maxTurns`. */
  countModelCall(): void {
    this.#modelCalls += 1;
    if (this.#modelCalls > this.runConfig.maxTurns) {
      throw new MaxTurnsExceededError(
        `The run made more than ${this.runConfig.maxTurns} model calls (maxTurns)`,
      );
    }
  }
}
