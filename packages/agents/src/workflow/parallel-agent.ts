import type { Event, InvocationContext } from '@ferrite/core';
import { runChildAgent } from '../telemetry/child-agent-run.js';
import { isPausing, subtreeNames, workflowResumeOf } from '../confirmation/workflow-resume.js';
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
    // A resumed invocation runs only the branches that paused; the others finished before.
    const resume = workflowResumeOf(context);
    let children = this.subAgents;
    if (resume) {
      const resumed = children.filter((child) =>
        [...subtreeNames(child)].some((name) => resume.authors.has(name)),
      );
      if (resumed.length > 0) children = resumed;
    }
    // A branch that pauses is held back from its pausing event on, until the others ended, so
    // the invocation's last event carries the request.
    const held: Event[][] = children.map(() => []);
    const branches = children.map((child) => {
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
        const event = step.result.value;
        const branchHeld = held[step.index]!;
        if (branchHeld.length > 0 || isPausing(event)) {
          branchHeld.push(event);
        } else {
          yield event;
          if (context.ended) return;
        }
        pull(step.index);
      }
      for (const events of held) yield* events;
    } finally {
      // A failure or an early stop: end the branches still going. One that is busy stops at its
      // next event or when the run's signal aborts; waiting for it here could wait forever.
      branches.forEach((branch, index) => {
        if (!finished.has(index)) branch.return(undefined).catch(() => {});
      });
    }
  }
}
