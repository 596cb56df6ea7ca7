import type { Observable, ObservableInput } from 'rxjs';
import {
  createEvent,
  modelContent,
  type Agent,
  type Event,
  type EventInit,
  type InvocationContext,
  type Model,
  type Plugin,
  type RunConfig,
} from '@ferrite/core';
import { Runner } from '../runner/runner.js';
import { InMemoryArtifactService } from '@ferrite/artifact';
import { InMemoryMemoryService } from '@ferrite/memory';
import { InMemorySessionService } from '@ferrite/session';

export { InMemorySessionService };

/** Options of {@link TestAgent}. */
export interface TestAgentConfig {
  subAgents?: Agent[];
  acceptsTransfer?: boolean;
}

/** An agent whose turn is the given function. */
export class TestAgent implements Agent {
  readonly description = 'test agent';
  readonly subAgents: readonly Agent[];
  readonly acceptsTransfer: boolean | undefined;
  parentAgent?: Agent;
  /** Contexts it was run with, in order. */
  readonly contexts: InvocationContext[] = [];

  constructor(
    readonly name: string,
    readonly turn: (context: InvocationContext) => ObservableInput<Event> = () => [
      say(`${name} here`),
    ],
    options: TestAgentConfig = {},
  ) {
    this.subAgents = options.subAgents ?? [];
    this.acceptsTransfer = options.acceptsTransfer;
  }

  run(context: InvocationContext): ObservableInput<Event> {
    this.contexts.push(context);
    return this.turn(context);
  }
}

/** A model text event (author left for the runner to fill). */
export function say(text: string, init: EventInit = {}): Event {
  return createEvent({ content: modelContent(text), ...init });
}

/** An event that transfers to `name`. */
export function transferTo(name: string): Event {
  return createEvent({ actions: { transferToAgent: name } });
}

/** An agent that calls a model once per turn and yields every response as an event. */
export class ModelAgent extends TestAgent {
  constructor(name: string, model: Model, options: TestAgentConfig = {}) {
    super(
      name,
      async function* (context) {
        context.countModelCall();
        const responses = model.generate(
          { contents: [context.userContent], tools: [] },
          { stream: context.runConfig.streamingMode === 'sse', signal: context.signal },
        );
        for await (const response of responses) {
          yield createEvent({
            ...(response.content ? { content: response.content } : {}),
            ...(response.partial ? { partial: true } : {}),
          });
        }
      },
      options,
    );
  }
}

/** Options of {@link makeRunner}. */
export interface MakeRunnerOptions {
  runConfig?: RunConfig;
  plugins?: Plugin[];
  memory?: boolean;
  appName?: string;
}

/** A Runner over fresh in-memory services. */
export function makeRunner(agent: Agent, options: MakeRunnerOptions = {}) {
  const sessions = new InMemorySessionService();
  const artifacts = new InMemoryArtifactService();
  const memory = new InMemoryMemoryService();
  const runner = new Runner({
    appName: options.appName ?? 'test_app',
    agent,
    sessionService: sessions,
    artifactService: artifacts,
    ...(options.memory ? { memoryService: memory } : {}),
    ...(options.runConfig ? { runConfig: options.runConfig } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
  });
  const stored = async (userId = 'u1', sessionId = 's1'): Promise<Event[]> =>
    (await sessions.getSession({ appName: runner.appName, userId, sessionId }))?.events ?? [];
  return { runner, sessions, artifacts, memory, stored };
}

/** What a run emitted and how it ended. */
export interface Collected {
  events: Event[];
  error: unknown;
  completed: boolean;
}

/** Subscribes and gathers every event, then the error or completion. */
export function collect(observable: Observable<Event>): Promise<Collected> {
  return new Promise((resolve) => {
    const events: Event[] = [];
    observable.subscribe({
      next: (event) => events.push(event),
      error: (error: unknown) => resolve({ events, error, completed: false }),
      complete: () => resolve({ events, error: undefined, completed: true }),
    });
  });
}
