import {
  PRIVATE_BRANCH_KEY,
  createEvent,
  newEventId,
  type Agent,
  type Content,
  type Event,
} from '@ferrite/core';
import { pendingWritesOf, type RunInvocationContext } from '../context/run-invocation-context.js';
import { AgentEventSource } from './agent-event-source.js';
import { resumesNestedRun, withNestedCaller } from '../pending/nested-resume.js';
import type { EventPipeline } from './event-pipeline.js';
import type { HaltControl } from './halt-control.js';

/** Options of a nested run. */
export interface NestedRunOptions {
  /** The branch the agent runs in (`<caller>.<agent>`). */
  branch: string;
  /** Stops the nested agent (a tool call's signal); the invocation's own stop always does. */
  signal?: AbortSignal | undefined;
  /** The tool call that runs the agent: recorded so a request the agent leaves pending finds it. */
  functionCallId?: string | undefined;
}

/** Marks an agent's event as private to its branch (kept from other agents' histories). */
function privately(event: Event): Event {
  return { ...event, customMetadata: { ...event.customMetadata, [PRIVATE_BRANCH_KEY]: true } };
}

/** Rejects with the signal's reason once it aborts; never settles otherwise. */
function abortion(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Runs an agent inside a running invocation, for a tool (an agent used as a tool): the message
 * is stored as a user event of the agent's branch (not emitted, like the run's own user event),
 * then every event of the agent goes through the invocation's pipeline (pending writes, plugins,
 * guards, stored, emitted), marked private to the branch. Transfers the nested agent asks for
 * are stored but not followed. Writes left after its last event are stored in a closing event.
 */
export async function* runNestedAgent(
  control: HaltControl,
  pipeline: EventPipeline,
  parent: RunInvocationContext,
  agent: Agent,
  message: Content,
  options: NestedRunOptions,
): AsyncGenerator<Event> {
  const { branch, signal } = options;
  signal?.throwIfAborted();
  const context = parent.withAgent(agent, { branch });
  // A resumed invocation runs the call again: the agent continues from its stored request
  // instead of starting over on the message.
  if (!resumesNestedRun(parent.session.events, agent.name, branch)) {
    await pipeline.append(
      withNestedCaller(
        privately({
          id: newEventId(),
          invocationId: parent.invocationId,
          author: 'user',
          branch,
          timestamp: Date.now(),
          content: { ...message, role: 'user' },
          actions: { stateDelta: {}, artifactDelta: {} },
        }),
        parent,
        options.functionCallId,
      ),
    );
  }
  const source = AgentEventSource.open(agent.run(context));
  const stop = signal ? abortion(signal) : undefined;
  try {
    for (;;) {
      const pulled = source.next(control);
      const next = stop ? await Promise.race([pulled, stop.promise]) : await pulled;
      control.checkpoint();
      if (next.done) break;
      const stored = await pipeline.deliver(context, privately(next.value));
      if (stored) yield stored;
      if (context.ended) break;
    }
    // Writes the nested agents made after their last event, one closing event per context.
    for (const member of [...context.family()]) {
      const memberBranch = member.branch;
      if (memberBranch === undefined) continue;
      if (memberBranch !== branch && !memberBranch.startsWith(`${branch}.`)) continue;
      const pending = pendingWritesOf(member);
      if (pending.isEmpty) continue;
      pending.moveTempKeysTo(member.session.state);
      if (pending.isEmpty) continue;
      const closing = await pipeline.deliver(
        member,
        privately(
          createEvent({
            invocationId: member.invocationId,
            author: member.agent.name,
            branch: memberBranch,
          }),
        ),
      );
      if (closing) yield closing;
    }
  } finally {
    stop?.dispose();
    source.close();
  }
}
