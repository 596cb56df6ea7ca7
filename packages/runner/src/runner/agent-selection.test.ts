import { describe, expect, it } from 'vitest';
import {
  AgentNotFoundError,
  TransferLimitError,
  createEvent,
  userContent,
  type Event,
} from '@ferrite/core';
import { runToArray } from '../index.js';
import { selectAgent } from './agent-selection.js';
import { AgentTree } from './agent-tree.js';
import { TestAgent, collect, makeRunner, say, transferTo } from '../testing/runner-fixtures.js';

function tree() {
  const leaf = new TestAgent('leaf');
  const worker = new TestAgent('worker');
  const pipeline = new TestAgent('pipeline', undefined, {
    subAgents: [leaf],
    acceptsTransfer: false,
  });
  const root = new TestAgent('root', undefined, { subAgents: [worker, pipeline] });
  return { tree: new AgentTree(root), root, worker, pipeline, leaf };
}

const byUser = (): Event => createEvent({ author: 'user', content: userContent('hi') });
const by = (author: string, transferToAgent?: string): Event =>
  createEvent({ author, ...(transferToAgent ? { actions: { transferToAgent } } : {}) });

describe('selectAgent', () => {
  it('picks the root when there are no agent events', () => {
    const t = tree();
    expect(selectAgent([], t.tree)).toBe(t.root);
    expect(selectAgent([byUser(), byUser()], t.tree)).toBe(t.root);
  });

  it('picks the author of the newest agent event when it is a sub-agent', () => {
    const t = tree();
    expect(selectAgent([by('root'), by('worker'), byUser()], t.tree)).toBe(t.worker);
  });

  it('picks a recorded transfer target', () => {
    const t = tree();
    expect(selectAgent([by('root', 'worker'), byUser()], t.tree)).toBe(t.worker);
  });

  it('picks the root when the agent or an ancestor refuses transfer', () => {
    const t = tree();
    expect(selectAgent([by('leaf')], t.tree)).toBe(t.root);
    expect(selectAgent([by('pipeline')], t.tree)).toBe(t.root);
  });

  it('picks the root when the author is no longer in the tree', () => {
    const t = tree();
    expect(selectAgent([by('worker'), by('retired')], t.tree)).toBe(t.root);
    expect(selectAgent([by('root', 'retired')], t.tree)).toBe(t.root);
  });

  it('routes the next turn of a session to the agent that answered last', async () => {
    const worker = new TestAgent('worker', () => [say('worker answers')]);
    const root = new TestAgent('root', () => [transferTo('worker')], { subAgents: [worker] });
    const { runner } = makeRunner(root);
    await runToArray(runner.run('u1', 's1', userContent('first')));
    expect(root.contexts).toHaveLength(1);
    expect(worker.contexts).toHaveLength(1);
    const second = await runToArray(runner.run('u1', 's1', userContent('second')));
    expect(root.contexts).toHaveLength(1);
    expect(second.map((e) => e.author)).toEqual(['worker']);
  });
});

describe('transfers', () => {
  it('runs a chain A -> B -> C in one invocation', async () => {
    const c = new TestAgent('c', () => [say('c done')]);
    const b = new TestAgent('b', () => [say('b hands over'), transferTo('c')]);
    const a = new TestAgent('a', () => [transferTo('b')], { subAgents: [b, c] });
    const { runner, stored } = makeRunner(a);
    const emitted = await runToArray(runner.run('u1', 's1', userContent('go')));
    expect(emitted.map((e) => e.author)).toEqual(['a', 'b', 'b', 'c']);
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'a', 'b', 'b', 'c']);
    expect(new Set(emitted.map((e) => e.invocationId)).size).toBe(1);
    expect(c.contexts[0]!.agent).toBe(c);
    expect(c.contexts[0]!.invocationId).toBe(a.contexts[0]!.invocationId);
  });

  it('finds the target anywhere in the tree', async () => {
    const deep = new TestAgent('deep', () => [say('deep')]);
    const side = new TestAgent('side', undefined, { subAgents: [deep] });
    const other = new TestAgent('other', () => [transferTo('deep')]);
    const root = new TestAgent('root', () => [transferTo('other')], { subAgents: [other, side] });
    const { runner } = makeRunner(root);
    const emitted = await runToArray(runner.run('u1', 's1', userContent('go')));
    expect(emitted.map((e) => e.author)).toEqual(['root', 'other', 'deep']);
  });

  it('stores and emits a transfer to an unknown agent, then errors with AgentNotFoundError', async () => {
    const root = new TestAgent('root', () => [say('trying'), transferTo('ghost'), say('never')]);
    const { runner, stored } = makeRunner(root);
    const result = await collect(runner.run('u1', 's1', userContent('go')));
    expect(AgentNotFoundError.isInstance(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/ghost/);
    expect(result.events.map((e) => e.actions.transferToAgent)).toEqual([undefined, 'ghost']);
    expect(await stored()).toHaveLength(3);
  });

  it('errors with TransferLimitError beyond maxTransfers', async () => {
    const ping: TestAgent = new TestAgent('ping', () => [transferTo('pong')]);
    const pong = new TestAgent('pong', () => [transferTo('ping')]);
    const root = new TestAgent('root', () => [transferTo('ping')], { subAgents: [ping, pong] });
    const { runner, stored } = makeRunner(root, { runConfig: { maxTransfers: 3 } });
    const result = await collect(runner.run('u1', 's1', userContent('go')));
    expect(TransferLimitError.isInstance(result.error)).toBe(true);
    // root->ping, ping->pong, pong->ping are allowed; ping's second transfer is one too many
    expect(result.events.map((e) => e.author)).toEqual(['root', 'ping', 'pong', 'ping']);
    expect(await stored()).toHaveLength(5);
  });

  it('allows exactly maxTransfers transfers', async () => {
    const last = new TestAgent('last', () => [say('done')]);
    const first = new TestAgent('first', () => [transferTo('last')]);
    const root = new TestAgent('root', () => [transferTo('first')], { subAgents: [first, last] });
    const { runner } = makeRunner(root, { runConfig: { maxTransfers: 2 } });
    const emitted = await runToArray(runner.run('u1', 's1', userContent('go')));
    expect(emitted.at(-1)!.author).toBe('last');
  });
});
