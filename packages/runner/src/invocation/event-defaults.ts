import { newEventId, type Event, type EventActions } from '@ferrite/core';
import type { RunInvocationContext } from '../context/run-invocation-context.js';

/**
 * The agent's event with the runner's defaults filled (id, invocationId, author, timestamp,
 * actions) and, for events that will be stored, the pending state and artifact writes of the
 * context that produced it merged in (the event's own deltas win). The agent's object is
 * copied, never changed; its `actions` object is shared when nothing in it changes.
 */
export function withEventDefaults(
  context: RunInvocationContext,
  raw: Event,
  partial: boolean,
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
  if (!partial) {
    const owner = context.contextOf(event.author, raw.branch) ?? context;
    if (owner.state.hasPending) {
      stateDelta = { ...owner.state.takeDelta(), ...stateDelta };
      changed = true;
    }
    if (owner.artifacts?.hasPending) {
      artifactDelta = { ...owner.artifacts.takeDelta(), ...artifactDelta };
      changed = true;
    }
  }
  if (changed) {
    event.actions = {
      ...actions,
      stateDelta: stateDelta ?? {},
      artifactDelta: artifactDelta ?? {},
    };
  }
  return event;
}
