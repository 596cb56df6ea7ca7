import {
  NESTED_CALL_KEY,
  resumedAnswersFor,
  resumedNestedCallIds,
  type Event,
  type InvocationContext,
} from '@ferrite/core';

/**
 * Records on a nested run's user event which agent's tool call started it, so a request the
 * nested agent leaves pending is traced back to the call that waits for it.
 */
export function withNestedCaller(
  event: Event,
  parent: InvocationContext,
  functionCallId: string | undefined,
): Event {
  if (functionCallId === undefined) return event;
  return {
    ...event,
    customMetadata: {
      ...event.customMetadata,
      [NESTED_CALL_KEY]: {
        author: parent.agent.name,
        ...(parent.branch === undefined ? {} : { branch: parent.branch }),
        functionCallId,
      },
    },
  };
}

/**
 * True when the newest user message answers a request `agent` left pending in `branch` (itself or
 * an agent it ran as a tool) and it has not acted on it yet: the nested run resumes.
 */
export function resumesNestedRun(
  events: readonly Event[],
  agentName: string,
  branch: string,
): boolean {
  return (
    resumedAnswersFor(events, agentName, branch).length > 0 ||
    resumedNestedCallIds(events, agentName, branch).length > 0
  );
}
