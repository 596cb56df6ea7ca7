import type { Agent } from '../agent/agent.js';
import type { InvocationContext } from '../agent/invocation-context.js';
import type { ArtifactService } from '../services/artifact-service.js';
import type { MemoryService } from '../services/memory-service.js';
import type { SessionRunLock } from '../services/session-run-lock.js';
import type { SessionService } from '../services/session-service.js';
import type { CallbackContext } from '../agent/callback-context.js';
import type { ModelRequest, ModelResponse } from '../model/model.js';
import type { Tool, ToolContext } from '../model/tool.js';
import type { Content } from '../types/content.js';
import type { Event } from '../types/event.js';
import type { RunConfig } from './run-config.js';
import type { Logger } from '../telemetry/logger.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * Hooks around a run, called in registration order, each seeing the previous one's output.
 */
export interface Plugin {
  /** Names the plugin in errors and logs. */
  readonly name: string;
  /** Returning a Content ends the run with one stored event authored by the root agent. */
  beforeRun?(context: InvocationContext): MaybePromise<Content | undefined | void>;
  /** Returning a Content replaces the user message (the replacement is what is stored). */
  onUserMessage?(
    context: InvocationContext,
    message: Content,
  ): MaybePromise<Content | undefined | void>;
  /** Returning an Event replaces it (its id, invocationId and timestamp are kept). */
  onEvent?(context: InvocationContext, event: Event): MaybePromise<Event | undefined | void>;
  /** Runs after the last event of a run that did not fail. */
  afterRun?(context: InvocationContext): MaybePromise<void>;
  /** Before every model call of every LLM agent; returning a response skips the call. */
  beforeModel?(
    context: CallbackContext,
    request: ModelRequest,
  ): MaybePromise<ModelResponse | undefined | void>;
  /** After a model's complete answer; returning a response replaces it. */
  afterModel?(
    context: CallbackContext,
    response: ModelResponse,
  ): MaybePromise<ModelResponse | undefined | void>;
  /** When a model call fails; returning a response replaces the error. */
  onModelError?(
    context: CallbackContext,
    request: ModelRequest,
    error: unknown,
  ): MaybePromise<ModelResponse | undefined | void>;
  /** Before every tool call (arguments already checked); returning an object skips the tool. */
  beforeTool?(
    tool: Tool,
    args: Record<string, unknown>,
    context: ToolContext,
  ): MaybePromise<Record<string, unknown> | undefined | void>;
  /** After a tool's result; returning an object replaces it. */
  afterTool?(
    tool: Tool,
    args: Record<string, unknown>,
    context: ToolContext,
    result: Record<string, unknown>,
  ): MaybePromise<Record<string, unknown> | undefined | void>;
  /** When a tool throws; returning an object is the result instead of the error. */
  onToolError?(
    tool: Tool,
    args: Record<string, unknown>,
    context: ToolContext,
    error: unknown,
  ): MaybePromise<Record<string, unknown> | undefined | void>;
}

/** Everything a Runner is made of. */
export interface RunnerConfig {
  appName: string;
  /** The root of the agent tree. */
  agent: Agent;
  sessionService: SessionService;
  artifactService?: ArtifactService;
  memoryService?: MemoryService;
  /** Defaults for every run; `run(..., { runConfig })` overrides per key. */
  runConfig?: RunConfig;
  plugins?: Plugin[];
  /**
   * Serializes runs per session; default: a lock in this Runner's memory. Give every Runner of
   * an app the same shared lock (PostgreSQL, Redis) to make `concurrency` hold across nodes.
   */
  sessionLock?: SessionRunLock;
  /** Structured log of the run lifecycle (started, completed, failed, cancelled); default none. */
  logger?: Logger;
}
