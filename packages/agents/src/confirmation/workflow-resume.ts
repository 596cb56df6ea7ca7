import {
  isPausingEvent,
  pendingRequestsOf,
  requestOwner,
  resumedOwnersOf,
  type Agent,
  type Event,
  type InvocationContext,
} from '@ferrite/core';

/** The names of `agent` and every agent below it. */
export function subtreeNames(agent: Agent): Set<string> {
  const names = new Set<string>();
  const visit = (current: Agent): void => {
    names.add(current.name);
    for (const child of current.subAgents) visit(child);
  };
  visit(agent);
  return names;
}

/**
 * True when an agent of `agent`'s subtree left a request pending in the invocation (a
 * confirmation or a long-running call not answered yet, made by it or inside an agent it ran as
 * a tool): the workflow around it pauses too. A long-running call whose turn went on does not.
 */
export function pausedWithin(context: InvocationContext, agent: Agent): boolean {
  const events = context.session.events;
  const requests = pendingRequestsOf(events).filter(
    (request) => !(request.kind === 'long_running' && request.longRunning === 'continue'),
  );
  if (requests.length === 0) return false;
  const names = subtreeNames(agent);
  return requests.some((request) => names.has(requestOwner(events, request).author));
}

/** What a workflow agent resumes: the agents the newest user message answered, not yet resumed. */
export interface WorkflowResume {
  /** Names of the answered agents that have not acted on their answers yet. */
  authors: Set<string>;
  /** The stored events that held the answered requests. */
  requestEvents: Event[];
}

/** The answered, not yet resumed agents of the invocation; undefined when none. */
export function workflowResumeOf(context: InvocationContext): WorkflowResume | undefined {
  const events = context.session.events;
  const authors = new Set<string>();
  const eventIds = new Set<string>();
  // The agents of the tree that wait: for a request made inside an agent used as a tool, the
  // agent whose tool call ran it.
  for (const owner of resumedOwnersOf(events)) {
    authors.add(owner.author);
    eventIds.add(owner.requestEventId);
  }
  if (authors.size === 0) return undefined;
  const requestEvents = events.filter((event) => eventIds.has(event.id));
  return { authors, requestEvents };
}

/** Index of the first of `children` whose subtree holds an agent being resumed; -1 when none. */
export function resumedChildIndex(children: readonly Agent[], resume: WorkflowResume): number {
  return children.findIndex((child) => {
    for (const name of subtreeNames(child)) if (resume.authors.has(name)) return true;
    return false;
  });
}

/**
 * True when an event leaves a request pending (a confirmation or a long-running call), not
 * counting long-running calls whose turn went on.
 */
export function isPausing(event: Event): boolean {
  return isPausingEvent(event);
}
