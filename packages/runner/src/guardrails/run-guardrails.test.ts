import { describe, expect, it } from 'vitest';
import {
  GuardrailError,
  InputGuardrailTripwireError,
  OutputGuardrailTripwireError,
  userContent,
  type InputGuardrail,
  type OutputGuardrail,
} from '@ferrite/core';
import { untilAborted } from '@ferrite/core/testing';
import { TestAgent, collect, makeRunner, say } from '../testing/runner-fixtures.js';

const refuseWord = (word: string, runInParallel?: boolean): InputGuardrail => ({
  name: `no_${word}`,
  ...(runInParallel === undefined ? {} : { runInParallel }),
  execute: ({ input }) => ({
    tripwireTriggered: input.parts.some((part) => part.text?.includes(word)),
    outputInfo: { word },
  }),
});

describe('input guardrails', () => {
  it('a blocking guardrail that trips ends the run before the agent; the user message is stored', async () => {
    const agent = new TestAgent('root');
    const { runner, stored } = makeRunner(agent, {
      runConfig: { inputGuardrails: [refuseWord('password', false)] },
    });
    const result = await collect(runner.run('u1', 's1', userContent('my password is x')));
    expect(InputGuardrailTripwireError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({
      code: 'guardrail.input_tripwire',
      guardrailName: 'no_password',
      outputInfo: { word: 'password' },
    });
    expect(agent.contexts).toHaveLength(0);
    expect((await stored()).map((event) => event.author)).toEqual(['user']);
  });

  it('a guardrail running alongside the agent stops it when it trips; what it stored before stays', async () => {
    let release!: () => void;
    const verdict = new Promise<void>((resolve) => (release = resolve));
    let agentSignal: AbortSignal | undefined;
    const agent = new TestAgent('root', async function* (context) {
      agentSignal = context.signal;
      yield say('working on it');
      release();
      await untilAborted(context.signal);
      yield say('never stored');
    });
    const slowCheck: InputGuardrail = {
      name: 'slow_check',
      execute: async () => {
        await verdict;
        return { tripwireTriggered: true, outputInfo: 'off topic' };
      },
    };
    const { runner, stored } = makeRunner(agent, { runConfig: { inputGuardrails: [slowCheck] } });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.error).toMatchObject({
      code: 'guardrail.input_tripwire',
      guardrailName: 'slow_check',
      outputInfo: 'off topic',
    });
    expect(agentSignal!.aborted).toBe(true);
    expect((await stored()).map((event) => event.author)).toEqual(['user', 'root']);
    expect(result.events).toHaveLength(1);
  });

  it("runs the answering agent's own guardrails after the run's, and passes when none trips", async () => {
    const seen: string[] = [];
    const agent = Object.assign(new TestAgent('root'), {
      inputGuardrails: [
        {
          name: 'agent_check',
          execute: () => (seen.push('agent'), { tripwireTriggered: false }),
        },
      ],
    });
    const { runner } = makeRunner(agent, {
      runConfig: {
        inputGuardrails: [
          {
            name: 'run_check',
            runInParallel: false,
            execute: () => (seen.push('run'), { tripwireTriggered: false }),
          },
        ],
      },
    });
    const result = await collect(runner.run('u1', 's1', userContent('hello')));
    expect(result.completed).toBe(true);
    expect(result.events).toHaveLength(1);
    expect(seen).toEqual(['run', 'agent']);
  });

  it('a guardrail that throws or gives no verdict fails the run with GuardrailError', async () => {
    const broken: InputGuardrail = {
      name: 'broken',
      runInParallel: false,
      execute: () => {
        throw new Error('classifier down');
      },
    };
    const { runner } = makeRunner(new TestAgent('root'), {
      runConfig: { inputGuardrails: [broken] },
    });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(GuardrailError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({ guardrailName: 'broken' });

    const silent = { name: 'silent', execute: () => ({}) } as unknown as InputGuardrail;
    const again = makeRunner(new TestAgent('root'), { runConfig: { inputGuardrails: [silent] } });
    const second = await collect(again.runner.run('u1', 's1', userContent('hi')));
    expect(second.error).toMatchObject({ code: 'guardrail.error', guardrailName: 'silent' });
  });
});

describe('output guardrails', () => {
  const noDigits: OutputGuardrail = {
    name: 'no_digits',
    execute: ({ output, agent }) => ({
      tripwireTriggered: /\d/.test(output),
      outputInfo: { agent: agent.name, output },
    }),
  };

  it('check the final answer: a trip fails the run after the answer was stored', async () => {
    const agent = new TestAgent('root', () => [say('thinking'), say('the code is 1234')]);
    const { runner, stored } = makeRunner(agent, { runConfig: { outputGuardrails: [noDigits] } });
    const result = await collect(runner.run('u1', 's1', userContent('code?')));
    expect(OutputGuardrailTripwireError.isInstance(result.error)).toBe(true);
    expect(result.error).toMatchObject({
      code: 'guardrail.output_tripwire',
      guardrailName: 'no_digits',
      outputInfo: { agent: 'root', output: 'the code is 1234' },
    });
    expect(await stored()).toHaveLength(3);
  });

  it('let an answer through when none trips', async () => {
    const agent = new TestAgent('root', () => [say('no numbers here')]);
    const { runner } = makeRunner(agent, { runConfig: { outputGuardrails: [noDigits] } });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.completed).toBe(true);
  });
});
