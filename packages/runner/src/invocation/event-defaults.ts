import { ShapeKeeper, newEventId, type Event, type EventActions } from '@ferrite/core';
import type { RunInvocationContext } from '../context/run-invocation-context.js';
import type { TakenWrites } from '../context/pending-writes.js';

/** The newest event given its defaults here (see ShapeKeeper in @ferrite/core). */
const eventShape = new ShapeKeeper<Event>();

/**
 * The agent's event with the runner's defaults filled (id, invocationId, author, timestamp,
 * actions) and `writes` (pending writes the pipeline already took for it) merged into its
 * deltas, the event's own deltas winning. It only reads: the agent's object is copied, never
 * changed, and its `actions` object is shared when nothing in it changes.
 */
export function withEventDefaults(
  context: RunInvocationContext,
  raw: Event,
  writes: TakenWrites | undefined,
): Event {
  const event: Event = { ...raw };
  if (!event.id) event.id = newEventId();
  if (!event.invocationId) event.invocationId = context.invocationId;
  if (!event.author) event.author = context.agent.name;
  if (!(typeof event.timestamp === 'number' && event.timestamp > 0)) event.timestamp = Date.now();
  const actions = raw.actions as Partial<EventActions> | undefined;
  let stateDelta = actions?.stateDelta;
  let artifactDelta = actions?.artifactDelta;
  let changed = stateDelta === undefined || artifactDelta === undefined;
  if (writes?.stateDelta) {
    stateDelta = { ...writes.stateDelta, ...stateDelta };
    changed = true;
  }
  if (writes?.artifactDelta) {
    artifactDelta = { ...writes.artifactDelta, ...artifactDelta };
    changed = true;
  }
  if (changed) {
    event.actions = {
      ...actions,
      stateDelta: stateDelta ?? {},
      artifactDelta: artifactDelta ?? {},
    };
  }
  eventShape.keep(event);
  return event;
}
