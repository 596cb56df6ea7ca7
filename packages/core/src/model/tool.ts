import type { EventActions } from '../types/event.js';
import type { JsonSchema } from './json-schema.js';
import type { ScopedArtifacts, StateView } from '../agent/invocation-context.js';
import type { MemoryEntry } from '../services/memory-service.js';
import type { Agent } from '../agent/agent.js';
import type { Content } from '../types/content.js';
import type { Event } from '../types/event.js';

/** What a tool sees while it runs. */
export interface ToolContext {
  /** Id of the function call being answered. */
  readonly functionCallId: string;
  readonly invocationId: string;
  readonly agentName: string;
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
  /** Session state; writes land in the tool response event's `stateDelta`. */
  readonly state: StateView;
  readonly artifacts?: ScopedArtifacts;
  /** Searches the user's long-term memory; empty when no memory service is configured. */
  searchMemory(query: string, limit?: number): Promise<MemoryEntry[]>;
  /** Aborted when the run is cancelled or a guard trips. */
  readonly signal: AbortSignal;
  /** Control-flow actions for the response event (`transferToAgent`, `escalate`, `skipSummarization`). */
  readonly actions: Partial<EventActions>;
  /**
   * Runs `agent` inside this invocation on `message`, in its own branch (`<caller>.<agent>`):
   * its events are stored and emitted, its model calls count against the run's guards, and
   * it stops with this call's signal. Yields the stored events. Absent outside a Runner.
   */
  runAgent?(agent: Agent, message: Content): AsyncIterable<Event>;
}

/** Something the model can call. */
export interface Tool {
  /** The name the model calls the tool by; unique among an agent's tools. */
  readonly name: string;
  /** Tells the model when to call the tool. */
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters?: JsonSchema;
  /** The call starts work that finishes outside this turn. */
  readonly isLongRunning?: boolean;
  /** Runs the tool; the result is sent back to the model (objects as they are, others wrapped as `{ result }`). */
  execute(args: Record<string, unknown>, context: ToolContext): Promise<unknown>;
}
