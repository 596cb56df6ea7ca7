import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  InvalidArgumentError,
  ToolCallError,
  getFunctionCalls,
  textOf,
  type ModelRequest,
} from '@ferrite/core';
import { ScriptedModel, abortableDelay, untilAborted } from '@ferrite/core/testing';
import { LlmAgent } from '../llm/llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';
import { SequentialAgent } from './sequential-agent.js';
import { ParallelAgent } from './parallel-agent.js';
import { LoopAgent } from './loop-agent.js';
import { calls, harness } from '../testing/run-harness.js';

const callNames = (request: ModelRequest) =>
  request.contents.flatMap((content) =>
    content.parts.flatMap((part) =>
      part.functionCall ? [String(part.functionCall.args.label)] : [],
    ),
  );

describe('SequentialAgent', () => {
  it('runs its sub-agents in order; later ones see earlier output as context', async () => {
    const writerModel = new ScriptedModel(['A draft.']);
    const reviewerModel = new ScriptedModel(['Looks good.']);
    const pipeline = new SequentialAgent({
      name: 'pipeline',
      subAgents: [
        new LlmAgent({ name: 'writer', model: writerModel }),
        new LlmAgent({ name: 'reviewer', model: reviewerModel }),
      ],
    });
    const h = harness(pipeline);
    const events = await h.send('write something', { runConfig: { streamingMode: 'none' } });
    expect(events.map((e) => e.author)).toEqual(['writer', 'reviewer']);
    expect(reviewerModel.requests[0]!.contents.at(-1)).toEqual({
      role: 'user',
      parts: [{ text: 'For context:' }, { text: '[writer] said: A draft.' }],
    });
    expect(pipeline.subAgents[0]!.parentAgent).toBe(pipeline);
    expect(pipeline.acceptsTransfer).toBe(false);
    // The next turn starts from the root again: workflow agents do not take transfers.
    writerModel.push('Second draft.');
    reviewerModel.push('Fine.');
    expect(
      (await h.send('again', { runConfig: { streamingMode: 'none' } })).map((e) => e.author),
    ).toEqual(['writer', 'reviewer']);
  });
});

describe('ParallelAgent', () => {
  it('runs branches concurrently, each seeing only its own branch', async () => {
    let running = 0;
    let peak = 0;
    const trackedSleep = new FunctionTool({
      name: 'sleep',
      description: 'waits',
      parameters: z.object({ ms: z.number(), label: z.string() }),
      execute: async ({ ms, label }, context) => {
        running += 1;
        peak = Math.max(peak, running);
        await abortableDelay(ms, context.signal);
        running -= 1;
        return { slept: label };
      },
    });
    const branchAgent = (name: string) =>
      new LlmAgent({
        name,
        model: new ScriptedModel([calls(['sleep', { ms: 250, label: name }]), `${name} done`]),
        tools: [trackedSleep],
      });
    const left = branchAgent('left');
    const right = branchAgent('right');
    const fanout = new ParallelAgent({ name: 'fanout', subAgents: [left, right] });
    const h = harness(fanout);
    const started = performance.now();
    const events = await h.send('go', { runConfig: { streamingMode: 'none' } });
    const elapsed = performance.now() - started;
    // Both tools were running at once; and the whole run took less than the two delays in a row.
    expect(peak).toBe(2);
    expect(elapsed).toBeLessThan(500);
    expect(events).toHaveLength(6);
    expect(new Set(events.filter((e) => e.author === 'left').map((e) => e.branch))).toEqual(
      new Set(['fanout.left']),
    );
    expect(new Set(events.filter((e) => e.author === 'right').map((e) => e.branch))).toEqual(
      new Set(['fanout.right']),
    );
    const leftModel = left.model as ScriptedModel;
    const rightModel = right.model as ScriptedModel;
    expect(callNames(leftModel.requests[1]!)).toEqual(['left']);
    expect(callNames(rightModel.requests[1]!)).toEqual(['right']);
    expect(JSON.stringify(leftModel.requests[1]!.contents)).not.toContain('right');
    expect(JSON.stringify(rightModel.requests[1]!.contents)).not.toContain('left');
    expect(leftModel.requests[1]!.contents[0]).toEqual({ role: 'user', parts: [{ text: 'go' }] });

    // A workflow agent takes no transfer back: the next turn runs the whole fan-out again.
    expect(fanout.acceptsTransfer).toBe(false);
    leftModel.push('left again');
    rightModel.push('right again');
    const next = await h.send('again', { runConfig: { streamingMode: 'none' } });
    expect(new Set(next.map((e) => e.author))).toEqual(new Set(['left', 'right']));
    // Each branch still sees only its own earlier turn.
    expect(JSON.stringify(leftModel.requests[2]!.contents)).not.toContain('right');
  });

  it("resumes a branch only after its event is stored, so a quick tool's call and result reach the next model call", async () => {
    const quick = new FunctionTool({
      name: 'quick',
      description: 'answers at once',
      execute: () => ({ ok: true }),
    });
    const branchAgent = (name: string) =>
      new LlmAgent({
        name,
        model: new ScriptedModel([calls(['quick', {}]), `${name} done`]),
        tools: [quick],
      });
    const branches = [branchAgent('a'), branchAgent('b'), branchAgent('c')];
    const h = harness(new ParallelAgent({ name: 'fanout', subAgents: branches }));
    const events = await h.send('go', { runConfig: { streamingMode: 'none' } });
    expect(events).toHaveLength(9);
    for (const agent of branches) {
      const second = (agent.model as ScriptedModel).requests[1]!;
      expect(second.contents.map((c) => Object.keys(c.parts[0]!)[0])).toEqual([
        'text',
        'functionCall',
        'functionResponse',
      ]);
    }
  });

  it('fails the run when a branch fails, and stops the other branches', async () => {
    let waiterSignal: AbortSignal | undefined;
    const waiter = new FunctionTool({
      name: 'wait',
      description: 'waits',
      execute: async (_args, context) => {
        waiterSignal = context.signal;
        await untilAborted(context.signal);
      },
    });
    const breaker = new FunctionTool({
      name: 'break',
      description: 'breaks',
      failRunOnError: true,
      execute: async () => {
        while (!waiterSignal) await abortableDelay(5);
        throw new Error('broken');
      },
    });
    const h = harness(
      new ParallelAgent({
        name: 'fanout',
        subAgents: [
          new LlmAgent({
            name: 'patient',
            model: new ScriptedModel([calls(['wait', {}]), 'never']),
            tools: [waiter],
          }),
          new LlmAgent({
            name: 'broken',
            model: new ScriptedModel([calls(['break', {}]), 'never']),
            tools: [breaker],
          }),
        ],
      }),
    );
    const error = await h.send('go').catch((e: unknown) => e);
    expect(ToolCallError.isInstance(error)).toBe(true);
    expect(waiterSignal!.aborted).toBe(true);
  });

  it('lets a later agent without a branch see every branch', async () => {
    const summaryModel = new ScriptedModel(['summary']);
    const fanout = new ParallelAgent({
      name: 'fanout',
      subAgents: [
        new LlmAgent({ name: 'a', model: new ScriptedModel(['from a']) }),
        new LlmAgent({ name: 'b', model: new ScriptedModel(['from b']) }),
      ],
    });
    const h = harness(
      new SequentialAgent({
        name: 'flow',
        subAgents: [fanout, new LlmAgent({ name: 'summary', model: summaryModel })],
      }),
    );
    await h.send('go');
    const texts = summaryModel.requests[0]!.contents.flatMap((c) => c.parts.map((p) => p.text));
    expect(texts).toEqual(expect.arrayContaining(['[a] said: from a', '[b] said: from b']));
  });
});

describe('LoopAgent', () => {
  it('stops when a sub-agent escalates', async () => {
    let checks = 0;
    const check = new FunctionTool({
      name: 'check',
      description: 'checks the draft',
      execute: (_args, context) => {
        checks += 1;
        if (checks === 2) context.actions.escalate = true;
        return { good: checks === 2 };
      },
    });
    const criticModel = new ScriptedModel([
      calls(['check', {}]),
      'Needs work.',
      calls(['check', {}]),
      'never asked',
    ]);
    const writerModel = new ScriptedModel(['draft 1', 'draft 2', 'draft 3']);
    const loop = new LoopAgent({
      name: 'refine',
      maxIterations: 5,
      subAgents: [
        new LlmAgent({ name: 'writer', model: writerModel }),
        new LlmAgent({ name: 'critic', model: criticModel, tools: [check] }),
      ],
    });
    const events = await harness(loop).send('write');
    expect(checks).toBe(2);
    expect(writerModel.requests).toHaveLength(2);
    expect(criticModel.requests).toHaveLength(3);
    expect(events.at(-1)!.actions.escalate).toBe(true);
    expect(getFunctionCalls(events.at(-2)!)).toHaveLength(1);
  });

  it('stops after maxIterations rounds', async () => {
    const model = new ScriptedModel(['1', '2', '3', '4']);
    const events = await harness(
      new LoopAgent({
        name: 'loop',
        maxIterations: 3,
        subAgents: [new LlmAgent({ name: 'echo', model })],
      }),
    ).send('go', { runConfig: { streamingMode: 'none' } });
    expect(events.map((e) => textOf(e.content))).toEqual(['1', '2', '3']);
    expect(model.remaining).toBe(1);
    expect(new LoopAgent({ name: 'other', subAgents: [] }).acceptsTransfer).toBe(false);
  });

  it('validates maxIterations and agent names', () => {
    expect(() => new LoopAgent({ name: 'loop', maxIterations: 0, subAgents: [] })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new SequentialAgent({ name: 'a.b', subAgents: [] })).toThrow(InvalidArgumentError);
  });
});
