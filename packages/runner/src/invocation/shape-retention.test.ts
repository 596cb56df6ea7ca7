import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { userContent, type Agent, type Event, type InvocationContext } from '@ferrite/core';
import { runToArray } from '../index.js';
import { makeRunner, say } from '../testing/runner-fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full collection, after a macrotask (a WeakRef made in this job keeps its target until it ends). */
async function collect(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}

/** An agent that remembers its contexts only weakly. */
class WeakAgent implements Agent {
  readonly name = 'root';
  readonly description = 'remembers its contexts weakly';
  readonly subAgents: readonly Agent[] = [];
  readonly contexts: WeakRef<InvocationContext>[] = [];

  run(context: InvocationContext): Event[] {
    this.contexts.push(new WeakRef(context));
    return [say('hello')];
  }
}

describe('per-run objects between runs', () => {
  // V8 keeps an object's hidden class only while an object has it: without the newest run's
  // objects held, a full collection between runs drops their shapes and deoptimizes the code
  // compiled for them (see ShapeKeeper in @ferrite/core).
  it("keep the newest run's context through a full collection, and let the one before it go", async () => {
    const agent = new WeakAgent();
    const { runner } = makeRunner(agent);
    await runToArray(runner.run('u1', 's1', userContent('one')));
    await collect();
    expect(agent.contexts[0]!.deref()?.invocationId).toEqual(expect.any(String));

    await runToArray(runner.run('u1', 's1', userContent('two')));
    await collect();
    expect(agent.contexts[0]!.deref()).toBeUndefined();
    expect(agent.contexts[1]!.deref()?.invocationId).toEqual(expect.any(String));
  });
});
