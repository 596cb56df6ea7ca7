import { ShapeKeeper, InvalidArgumentError } from '@ferrite/core';
import { watchNestedRun } from '../confirmation/nested-pause.js';
import type { SignalSource } from './tool-batch.js';
import type {
  Agent,
  Content,
  Event,
  ConfirmationRequest,
  EventActions,
  InvocationContext,
  MemoryEntry,
  ScopedArtifacts,
  StateView,
  ToolConfirmation,
  ToolContext,
} from '@ferrite/core';

const callToolContextShape = new ShapeKeeper<CallToolContext>();

/** The {@link ToolContext} of one function call, over the agent's invocation context. */
export class CallToolContext implements ToolContext {
  /** Id of the function call this context answers. */
  readonly functionCallId: string;
  /** The person's answer, when the call runs after a confirmation. */
  readonly toolConfirmation: ToolConfirmation | undefined;
  /** What the tool asked the person to confirm (its result is then dropped). */
  confirmationRequest: ConfirmationRequest | undefined;
  /** An agent the tool ran left a request pending (its result is then dropped; the call waits). */
  awaitingNested = false;
  readonly #context: InvocationContext;
  readonly #signalSource: SignalSource;
  #actions: Partial<EventActions> | undefined;

  constructor(
    context: InvocationContext,
    functionCallId: string,
    signalSource: SignalSource,
    toolConfirmation?: ToolConfirmation,
  ) {
    this.#context = context;
    this.functionCallId = functionCallId;
    this.#signalSource = signalSource;
    this.toolConfirmation = toolConfirmation;
    callToolContextShape.keep(this);
  }

  /**
   * Aborted when the run is cancelled or another call of the same response fails the run (read
   * from the batch when the tool asks for it).
   */
  get signal(): AbortSignal {
    return this.#signalSource.signal;
  }

  /** Asks the person to confirm this call; the invocation pauses once the tools of the turn ran. */
  requestConfirmation(request: ConfirmationRequest = {}): void {
    this.confirmationRequest = {
      ...(typeof request.hint === 'string' ? { hint: request.hint } : {}),
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    };
  }

  /** Control-flow actions the tool asks for; merged into the response event (made on first use). */
  get actions(): Partial<EventActions> {
    return (this.#actions ??= {});
  }

  /** The actions the tool asked for, or undefined when it never touched `actions`. */
  get askedActions(): Partial<EventActions> | undefined {
    return this.#actions;
  }

  /** Id of the invocation the call belongs to. */
  get invocationId(): string {
    return this.#context.invocationId;
  }
  /** Name of the agent whose model made the call. */
  get agentName(): string {
    return this.#context.agent.name;
  }
  /** The application the session belongs to. */
  get appName(): string {
    return this.#context.appName;
  }
  /** The user the session belongs to. */
  get userId(): string {
    return this.#context.userId;
  }
  /** Id of the session being run. */
  get sessionId(): string {
    return this.#context.session.id;
  }
  /** The session state; writes land in the response event's `stateDelta`. */
  get state(): StateView {
    return this.#context.state;
  }
  /** The session's artifacts (undefined without an artifact service); saves land in `artifactDelta`. */
  get artifacts(): ScopedArtifacts | undefined {
    return this.#context.artifacts;
  }

  /** Runs `agent` nested in this invocation, in the branch `<caller>.<agent>`, stopped with this call. */
  runAgent(agent: Agent, message: Content): AsyncIterable<Event> {
    const context = this.#context;
    if (!context.runAgent) {
      throw new InvalidArgumentError('Running an agent from a tool needs a Runner');
    }
    const branch = `${context.branch ?? context.agent.name}.${agent.name}`;
    const functionCallId = this.functionCallId;
    const events = context.runAgent(agent, message, {
      branch,
      signal: this.signal,
      functionCallId,
    });
    return watchNestedRun(context, branch, events, () => (this.awaitingNested = true));
  }

  /** Searches the user's long-term memory; empty without a memory service. */
  async searchMemory(query: string, limit?: number): Promise<MemoryEntry[]> {
    if (!this.#context.memory) return [];
    return this.#context.memory.search(query, limit);
  }
}
