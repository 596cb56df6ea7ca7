import type {
  EventActions,
  InvocationContext,
  MemoryEntry,
  ScopedArtifacts,
  StateView,
  ToolContext,
} from '@ferrite/core';

/** The {@link ToolContext} of one function call, over the agent's invocation context. */
export class CallToolContext implements ToolContext {
  readonly functionCallId: string;
  readonly signal: AbortSignal;
  readonly actions: Partial<EventActions> = {};
  readonly #context: InvocationContext;

  constructor(context: InvocationContext, functionCallId: string, signal: AbortSignal) {
    this.#context = context;
    this.functionCallId = functionCallId;
    this.signal = signal;
  }

  get invocationId(): string {
    return this.#context.invocationId;
  }
  get agentName(): string {
    return this.#context.agent.name;
  }
  get appName(): string {
    return this.#context.appName;
  }
  get userId(): string {
    return this.#context.userId;
  }
  get sessionId(): string {
    return this.#context.session.id;
  }
  get state(): StateView {
    return this.#context.state;
  }
  get artifacts(): ScopedArtifacts | undefined {
    return this.#context.artifacts;
  }

  async searchMemory(query: string, limit?: number): Promise<MemoryEntry[]> {
    if (!this.#context.memory) return [];
    return this.#context.memory.search(query, limit);
  }
}
