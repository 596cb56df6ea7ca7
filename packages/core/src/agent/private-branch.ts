import type { Event } from '../types/event.js';

/**
 * The `customMetadata` key that marks an event of a nested agent run (an agent used as a tool):
 * the event belongs to its branch alone, so agents outside that branch leave it out of their
 * history (an agent without a branch otherwise sees every branch) and it never routes a turn.
 */
export const PRIVATE_BRANCH_KEY = 'ferrite.privateBranch';

/** True when `event` is private to its branch (see {@link PRIVATE_BRANCH_KEY}). */
export function isPrivateToBranch(event: Event): boolean {
  return event.branch !== undefined && event.customMetadata?.[PRIVATE_BRANCH_KEY] === true;
}

/** True when an event of branch `eventBranch` is inside `branch` (the same branch or an ancestor of it). */
export function isWithinBranch(eventBranch: string, branch: string | undefined): boolean {
  return branch !== undefined && (branch === eventBranch || branch.startsWith(`${eventBranch}.`));
}
