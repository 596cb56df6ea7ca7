import { describe, expect, it } from 'vitest';
import {
  MaxTurnsExceededError,
  PRIVATE_BRANCH_KEY,
  textOf,
  type ModelRequest,
} from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { LlmAgent } from '../llm/llm-agent.js';
import { SequentialAgent } from '../workflow/sequential-agent.js';
import { AgentTool } from './agent-tool.js';
import { calls, harness } from '../testing/run-harness.js';

const seenText = (request: ModelRequest) =>
  request.contents.map((content) => textOf(content)).join('\n');

function helperAgent(answer = 'Paris is the capital.') {
  const model = new ScriptedModel([answer]);
  const agent = new LlmAgent({ name: 'helper', description: 'Looks things up', model });
  return { agent, model };
}

describe('AgentTool', () => {
  it('runs the agent in its own branch inside a SequentialAgent step; only the function response reaches the caller', async () => {
    const helper = helperAgent();
    const plannerModel = new ScriptedModel([
      calls(['helper', { request: 'Capital of France?' }, 'c1']),
      'The planner is done.',
    ]);
    const planner = new LlmAgent({
      name: 'planner',
      model: plannerModel,
      tools: [new AgentTool({ agent: helper.agent })],
    });
    const writerModel = new ScriptedModel(['Written.']);
    const writer = new LlmAgent({ name: 'writer', model: writerModel });
    const run = harness(new SequentialAgent({ name: 'flow', subAgents: [planner, writer] }));
    const emitted = await run.send('Plan a trip');

    // The helper saw the request as its user's last message.
    expect(textOf(helper.model.requests[0]!.contents.at(-1))).toBe('Capital of France?');
    // Its answer is the tool's result; the caller's next request holds no more of it.
    const next = plannerModel.requests[1]!;
    expect(next.contents.at(-1)!.parts[0]!.functionResponse).toEqual({
      id: 'c1',
      name: 'helper',
      response: { result: 'Paris is the capital.' },
    });
    expect(next.contents.filter((content) => textOf(content).includes('Paris'))).toEqual([]);
    expect(seenText(writerModel.requests[0]!)).not.toContain('[helper]');
    expect(seenText(writerModel.requests[0]!)).toContain('`helper` tool returned result');

    const stored = (await run.session()).events;
    const inBranch = stored.filter((event) => event.branch === 'planner.helper');
    expect(inBranch.map((event) => [event.author, textOf(event.content)])).toEqual([
      ['user', 'Capital of France?'],
      ['helper', 'Paris is the capital.'],
    ]);
    expect(inBranch.every((event) => event.customMetadata?.[PRIVATE_BRANCH_KEY] === true)).toBe(
      true,
    );
    // The helper's answer was emitted with the run's other events, in order.
    expect(
      emitted
        .filter((event) => !event.partial)
        .map((event) => `${event.author}:${textOf(event.content)}`),
    ).toEqual([
      'planner:',
      'helper:Paris is the capital.',
      'planner:',
      'planner:The planner is done.',
      'writer:Written.',
    ]);
  });

  it('works for an agent transferred to, in the branch named after it', async () => {
    const helper = helperAgent('42');
    const specialistModel = new ScriptedModel([
      calls(['helper', { request: 'The answer?' }, 'c2']),
      'It is 42.',
    ]);
    const specialist = new LlmAgent({
      name: 'specialist',
      model: specialistModel,
      tools: [new AgentTool({ agent: helper.agent })],
    });
    const root = new LlmAgent({
      name: 'root',
      model: new ScriptedModel([calls(['transfer_to_agent', { agent_name: 'specialist' }, 't1'])]),
      subAgents: [specialist],
    });
    const run = harness(root);
    await run.send('Ask the specialist');
    const stored = (await run.session()).events;
    expect(
      stored
        .filter((event) => event.branch === 'specialist.helper')
        .map((event) => `${event.author}:${textOf(event.content)}`),
    ).toEqual(['user:The answer?', 'helper:42']);
    expect(textOf(stored.at(-1)!.content)).toBe('It is 42.');

    // The next turn goes back to the specialist, not to the helper's branch.
    specialistModel.requests.length = 0;
    const again = new ScriptedModel(['Still 42.']);
    Object.assign(specialist, { model: again });
    await run.send('And again?');
    expect(again.requests).toHaveLength(1);
  });

  it("counts the wrapped agent's model calls against the run's maxTurns", async () => {
    const helper = helperAgent();
    const caller = new LlmAgent({
      name: 'caller',
      model: new ScriptedModel([calls(['helper', { request: 'x' }, 'c1']), 'done']),
      tools: [new AgentTool({ agent: helper.agent })],
    });
    await expect(harness(caller, { runConfig: { maxTurns: 2 } }).send('go')).rejects.toSatisfy(
      (error: unknown) => MaxTurnsExceededError.isInstance(error),
    );
    expect(helper.model.requests).toHaveLength(1);
  });

  it("skipSummarization ends the caller's turn with the wrapped answer", async () => {
    const helper = helperAgent('Final words.');
    const callerModel = new ScriptedModel([calls(['helper', { request: 'x' }, 'c1'])]);
    const caller = new LlmAgent({
      name: 'caller',
      model: callerModel,
      tools: [new AgentTool({ agent: helper.agent, skipSummarization: true })],
    });
    const events = await harness(caller).send('go');
    expect(callerModel.requests).toHaveLength(1);
    expect(events.at(-1)!.actions.skipSummarization).toBe(true);
  });
});
