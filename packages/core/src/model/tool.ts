import type { EventActions } from '../types/event.js';
import type { JsonSchema } from './json-schema.js';
import type { ScopedArtifacts, StateView } from '../agent/invocation-context.js';
import type { MemoryEntry } from '../services/memory-service.js';
import type {
  ConfirmationRequest,
  RequireConfirmation,
  ToolConfirmation,
} from '../confirmation/tool-confirmation.js';
import type { Agent } from '../agent/agent.js';
import type { LongRunningMode } from '../confirmation/long-running-mode.js';
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
  /**
   * Asks the person to confirm this call: the result the tool returns is dropped, the invocation
   * pauses, and once answered the tool runs again with {@link ToolContext.toolConfirmation} set.
   */
  requestConfirmation(request?: ConfirmationRequest): void;
  /** The person's answer when the call runs after a confirmation; undefined otherwise. */
  readonly toolConfirmation?: ToolConfirmation | undefined;
}

/** Something the model can call. */
export interface Tool {
  /** The name the model calls the tool by; unique among an agent's tools. */
  readonly name: string;
  /** Tells the model when to call the tool. */
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly parameters?: JsonSchema | undefined;
  /** The call starts work that finishes outside this turn. */
  readonly isLongRunning?: boolean | undefined;
  /**
   * With `isLongRunning`: pause the invocation after the call (`'pause'`) or let the model go on
   * with its first result (`'continue'`); absent: `RunConfig.longRunning`, default `'pause'`.
   */
  readonly longRunning?: LongRunningMode | undefined;
  /**
   * The call waits for the person's confirmation before it runs (a predicate decides per call);
   * a refused call answers the model with `{ error: 'This tool call was rejected.' }`.
   */
  readonly requireConfirmation?: RequireConfirmation<ToolContext> | undefined;
  /**
   * With `requireConfirmation`: the person may edit the arguments, and the call runs with the
   * edited ones (sent as the answer's `payload`). Otherwise an answer that changes them is refused.
   */
  readonly editableArguments?: boolean | undefined;
  /** Runs the tool; the result is sent back to the model (objects as they are, others wrapped as `{ result }`). */
  execute(args: Record<string, unknown>, context: ToolContext): Promise<unknown>;
}
