import { defer, from, merge, type Observable } from 'rxjs';
import type { Event, InvocationContext } from '@ferrite/core';
import { WorkflowAgent, type WorkflowAgentConfig } from './workflow-agent.js';

/** Settings of a {@link ParallelAgent}. */
export type ParallelAgentConfig = WorkflowAgentConfig;

/**
 * Runs its sub-agents at the same time, each in its own branch (`parent.child`, or
 * `<branch>.child` inside another branch), so each sees only the shared history and its own
 * branch's events. Events are emitted as they come.
 *
 * @example
 * ```ts
 * const research = new ParallelAgent({ name: 'research', subAgents: [webSearcher, docsSearcher] });
 * ```
 */
export class ParallelAgent extends WorkflowAgent {
  run(context: InvocationContext): Observable<Event> {
    return merge(
      ...this.subAgents.map((child) =>
        defer(() => {
          const branch = context.branch
            ? `${context.branch}.${child.name}`
            : `${this.name}.${child.name}`;
          return from(child.run(context.withAgent(child, { branch })));
        }),
      ),
    );
  }
}
