import { pausedUnder, pendingRequestsOf, type Event, type InvocationContext } from '@ferrite/core';

/**
 * Yields a nested agent run's events, then calls `paused` when the run left a request pending in
 * its branch or below (a confirmation, or a long-running call that pauses): the tool call that
 * ran it waits for that answer instead of answering the model.
 */
export async function* watchNestedRun(
  context: InvocationContext,
  branch: string,
  events: AsyncIterable<Event>,
  paused: () => void,
): AsyncGenerator<Event> {
  yield* events;
  if (pausedUnder(pendingRequestsOf(context.session.events), branch)) paused();
}
