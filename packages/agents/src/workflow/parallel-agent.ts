import type { Event, InvocationContext } from '@ferrite/core';
import { runChildAgent } from '../telemetry/child-agent-run.js';
import { WorkflowAgent, type WorkflowAgentConfig } from './workflow-agent.js';

/** Settings of a {@link ParallelAgent}. */
export type ParallelAgentConfig = WorkflowAgentConfig;

/** What one branch's pending `next()` settled with; it never rejects, so an abandoned one is harmless. */
type BranchStep =
  { index: number; result: IteratorResult<Event> } | { index: number; error: unknown };

/**
 * Runs its sub-agents at the same time, each in its own branch (`parent.child`, or
 * `<branch>.child` inside another branch), so each sees only the shared history and its own
 * branch's events. Events are emitted as they come.
 *
 * Each branch is pulled like any agent the runner runs: it resumes only after its previous
 * event was handed on (and so stored), so an LLM agent in a branch finds its own tool call and
 * response in the session on its next model call; the branches still run concurrently in
 * between.
 *
 * @example
 * ```ts
 * const research = new ParallelAgent({ name: 'research', subAgents: [webSearcher, docsSearcher] });
 * ```
 */
export class ParallelAgent extends WorkflowAgent {
  /** Starts every sub-agent in its branch at once and merges their events. */
  async *run(context: InvocationContext): AsyncGenerator<Event> {
    const branches = this.subAgents.map((child) => {
      const branch = context.branch
        ? `${context.branch}.${child.name}`
        : `${this.name}.${child.name}`;
      return runChildAgent(context, child, { branch });
    });
    const pending = new Map<number, Promise<BranchStep>>();
    const finished = new Set<number>();
    const pull = (index: number): void => {
      pending.set(
        index,
        branches[index]!.next().then(
          (result) => ({ index, result }),
          (error: unknown) => ({ index, error }),
        ),
      );
    };
    branches.forEach((_, index) => pull(index));
    try {
      while (pending.size > 0) {
        const step = await Promise.race(pending.values());
        pending.delete(step.index);
        if ('error' in step || step.result.done) finished.add(step.index);
        if ('error' in step) throw step.error;
        if (step.result.done) continue;
        yield step.result.value;
        if (context.ended) return;
        pull(step.index);
      }
    } finally {
      // A failure or an early stop: end the branches still going. One that is busy stops at its
      // next event or when the run's signal aborts; waiting for it here could wait forever.
      branches.forEach((branch, index) => {
        if (!finished.has(index)) branch.return(undefined).catch(() => {});
      });
    }
  }
}
