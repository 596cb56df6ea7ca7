import { newEventId, type Content, type Event } from '@ferrite/core';

const NO_DELTA: Readonly<Record<string, never>> = Object.freeze({});

/**
 * The event storing the run's user message (author `user`): the message itself when its role
 * is already `user`, else a copy in that role; a run without a state delta shares one frozen
 * empty record (the store keeps its own copy of the event either way).
 */
export function userEvent(
  invocationId: string,
  message: Content,
  stateDelta: Record<string, unknown> | undefined,
): Event {
  return {
    id: newEventId(),
    invocationId,
    author: 'user',
    timestamp: Date.now(),
    content: message.role === 'user' ? message : { ...message, role: 'user' },
    actions: { stateDelta: stateDelta ?? NO_DELTA, artifactDelta: NO_DELTA },
  };
}
