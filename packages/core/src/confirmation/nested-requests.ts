import type { Event } from '../types/event.js';
import { resumptionOf, type PendingRequest } from './pending-requests.js';

/**
 * `customMetadata` key of the user event that starts an agent run nested in a tool call (an agent
 * used as a tool): which agent, in which branch, made the call. A request the nested agent leaves
 * pending is traced back through it to the call that waits for it.
 */
export const NESTED_CALL_KEY = 'ferrite.nestedCall';

/** The call a nested agent run belongs to. */
export interface NestedCaller {
  /** The agent whose tool call ran the nested agent. */
  author: string;
  /** That agent's branch. */
  branch?: string;
  /** Id of the tool call. */
  functionCallId: string;
  /** The nested run's branch. */
  nestedBranch: string;
}

/** Where a request waits: an agent in a branch. */
export interface RequestOwner {
  author: string;
  branch?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The caller recorded on a nested run's user event, if the event starts one. */
function nestedCallerOf(event: Event): NestedCaller | undefined {
  if (event.author !== 'user' || event.branch === undefined) return undefined;
  const value = event.customMetadata?.[NESTED_CALL_KEY];
  if (!isRecord(value) || typeof value.author !== 'string') return undefined;
  if (typeof value.functionCallId !== 'string') return undefined;
  return {
    author: value.author,
    ...(typeof value.branch === 'string' ? { branch: value.branch } : {}),
    functionCallId: value.functionCallId,
    nestedBranch: event.branch,
  };
}

/** The newest nested run started in `branch`, by its user event. */
function callerOfBranch(events: readonly Event[], branch: string): NestedCaller | undefined {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    if (event.branch !== branch || event.author !== 'user') continue;
    const caller = nestedCallerOf(event);
    if (caller) return caller;
  }
  return undefined;
}

/**
 * The tool calls a request waits inside, innermost first: empty for a request of an agent that
 * does not run nested; one caller for an agent used as a tool; more for deeper nesting.
 */
function callersOf(
  events: readonly Event[],
  request: Pick<PendingRequest, 'branch'>,
): NestedCaller[] {
  const callers: NestedCaller[] = [];
  const seen = new Set<string>();
  let branch = request.branch;
  while (branch !== undefined && !seen.has(branch)) {
    seen.add(branch);
    const caller = callerOfBranch(events, branch);
    if (!caller) break;
    callers.push(caller);
    branch = caller.branch;
  }
  return callers;
}

/**
 * The agent of the invocation's own tree that waits for a request: the agent that made it, or,
 * for a request made inside nested runs, the agent whose tool call started the outermost one.
 */
export function requestOwner(
  events: readonly Event[],
  request: Pick<PendingRequest, 'author' | 'branch'>,
): RequestOwner {
  const outermost = callersOf(events, request).at(-1);
  const owner = outermost ?? request;
  return { author: owner.author, ...(owner.branch === undefined ? {} : { branch: owner.branch }) };
}

/** True when `author` stored an event in `branch` after `events[index]`. */
function actedAfter(
  events: readonly Event[],
  index: number,
  author: string,
  branch: string | undefined,
): boolean {
  for (let at = index + 1; at < events.length; at += 1) {
    const event = events[at]!;
    if (event.author === author && event.branch === branch) return true;
  }
  return false;
}

/**
 * Ids of `author`'s tool calls in `branch` to run again because the newest user message answers a
 * request made inside the nested agent run they started (at any depth), when `author` stored
 * nothing in `branch` since that message. Empty otherwise.
 */
export function resumedNestedCallIds(
  events: readonly Event[],
  author: string,
  branch: string | undefined,
): string[] {
  const resumption = resumptionOf(events);
  if (!resumption) return [];
  const ids: string[] = [];
  for (const { request } of resumption.answers) {
    for (const caller of callersOf(events, request)) {
      if (caller.author !== author || caller.branch !== branch) continue;
      if (!ids.includes(caller.functionCallId)) ids.push(caller.functionCallId);
    }
  }
  if (ids.length === 0 || actedAfter(events, resumption.answerIndex, author, branch)) return [];
  return ids;
}

/** An answered request, seen from the agent of the tree that waits for it. */
export interface ResumedOwner extends RequestOwner {
  /** Id of the stored event that holds the request. */
  requestEventId: string;
}

/**
 * The agents of the tree the newest user message resumes (the owners of the requests it answers)
 * that stored nothing since; empty when the message answers nothing.
 */
export function resumedOwnersOf(events: readonly Event[]): ResumedOwner[] {
  const resumption = resumptionOf(events);
  if (!resumption) return [];
  const owners: ResumedOwner[] = [];
  for (const { request } of resumption.answers) {
    const owner = requestOwner(events, request);
    if (actedAfter(events, resumption.answerIndex, owner.author, owner.branch)) continue;
    owners.push({ ...owner, requestEventId: request.eventId });
  }
  return owners;
}

/**
 * True when a request the invocation's agents wait for (not a long-running call whose turn went
 * on) was made in `branch` or a branch below it: a nested run in that branch left it pending.
 */
export function pausedUnder(requests: readonly PendingRequest[], branch: string): boolean {
  return requests.some(
    (request) =>
      !(request.kind === 'long_running' && request.longRunning === 'continue') &&
      request.branch !== undefined &&
      (request.branch === branch || request.branch.startsWith(`${branch}.`)),
  );
}
