import { newEventId, type Event } from '@ferrite/core';
import type { RunInvocationContext } from '../context/run-invocation-context.js';

/**
 * The agent's event with the runner's defaults filled (id, invocationId, author, timestamp,
 * actions) and, for events that will be stored, the pending state and artifact writes of the
 * context that produced it merged in (the event's own deltas win).
 */
export function withEventDefaults(
  context: RunInvocationContext,
  raw: Event,
  partial: boolean,
): Event {
  const author = raw.author || context.agent.name;
  const actions = raw.actions as Partial<Event['actions']> | undefined;
  let stateDelta = actions?.stateDelta ?? {};
  let artifactDelta = actions?.artifactDelta ?? {};
  if (!partial) {
    const owner = context.contextOf(author, raw.branch) ?? context;
    if (owner.state.hasPending) stateDelta = { ...owner.state.takeDelta(), ...stateDelta };
    if (owner.artifacts?.hasPending) {
      artifactDelta = { ...owner.artifacts.takeDelta(), ...artifactDelta };
    }
  }
  return {
    ...raw,
    id: raw.id || newEventId(),
    invocationId: raw.invocationId || context.invocationId,
    author,
    timestamp: typeof raw.timestamp === 'number' && raw.timestamp > 0 ? raw.timestamp : Date.now(),
    actions: { ...actions, stateDelta, artifactDelta },
  };
}
