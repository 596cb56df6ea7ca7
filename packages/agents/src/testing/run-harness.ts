import { Runner, runToArray } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import {
  userContent,
  type Agent,
  type ArtifactService,
  type Event,
  type MemoryService,
  type RunConfig,
  type Session,
} from '@ferrite/core';

/** A Runner over an in-memory session service, with helpers for one user and session. */
export interface RunHarness {
  /** The runner over `sessionService`. */
  runner: Runner;
  /** Where the runner stores sessions. */
  sessionService: InMemorySessionService;
  /** Runs one message and collects every emitted event. */
  send(
    text: string,
    options?: { runConfig?: RunConfig; stateDelta?: Record<string, unknown> },
  ): Promise<Event[]>;
  /** The stored session `s1` as a new turn would read it. */
  session(): Promise<Session>;
}

/** Builds a {@link RunHarness} for `agent` (user `u1`, session `s1`). */
export function harness(
  agent: Agent,
  options: {
    runConfig?: RunConfig;
    memoryService?: MemoryService;
    artifactService?: ArtifactService;
  } = {},
): RunHarness {
  const sessionService = new InMemorySessionService();
  const runner = new Runner({
    appName: 'app',
    agent,
    sessionService,
    ...(options.runConfig ? { runConfig: options.runConfig } : {}),
    ...(options.memoryService ? { memoryService: options.memoryService } : {}),
    ...(options.artifactService ? { artifactService: options.artifactService } : {}),
  });
  return {
    runner,
    sessionService,
    send: (text, runOptions = {}) =>
      runToArray(runner.run('u1', 's1', userContent(text), runOptions)),
    session: async () =>
      (await sessionService.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' }))!,
  };
}

/** A model response that calls tools. */
export function calls(...list: [name: string, args: Record<string, unknown>, id?: string][]) {
  return {
    content: {
      role: 'model',
      parts: list.map(([name, args, id], index) => ({
        functionCall: { id: id ?? `call_${name}_${index}`, name, args },
      })),
    },
  };
}
