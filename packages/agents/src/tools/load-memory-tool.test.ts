import { describe, expect, it } from 'vitest';
import { createEvent, userContent } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { InMemoryMemoryService } from '@ferrite/memory';
import { LlmAgent } from '../llm/llm-agent.js';
import { LoadMemoryTool, loadMemory } from './load-memory-tool.js';
import { calls, harness } from '../testing/run-harness.js';

describe('LoadMemoryTool', () => {
  it("searches the user's memory with the model's query", async () => {
    const memoryService = new InMemoryMemoryService();
    const model = new ScriptedModel([
      calls(['load_memory', { query: 'dog name' }]),
      'Your dog is Rex.',
    ]);
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [loadMemory] }), {
      memoryService,
    });
    const past = await h.sessionService.createSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 'past',
    });
    await h.sessionService.appendEvent({
      session: past,
      event: createEvent({
        author: 'user',
        timestamp: 1000,
        content: userContent('My dog name is Rex'),
      }),
    });
    await memoryService.addSessionToMemory(past);

    await h.send('Remind me of something');
    const response = model.requests[1]!.contents.at(-1)!.parts[0]!.functionResponse!.response;
    expect(response).toEqual({
      memories: [{ author: 'user', text: 'My dog name is Rex', timestamp: 1000 }],
    });
  });

  it('answers an empty list without a memory service', async () => {
    const model = new ScriptedModel([calls(['load_memory', { query: 'anything' }]), 'Nothing.']);
    await harness(
      new LlmAgent({ name: 'agent', model, tools: [new LoadMemoryTool({ limit: 2 })] }),
    ).send('hi');
    expect(model.requests[1]!.contents.at(-1)!.parts[0]!.functionResponse!.response).toEqual({
      memories: [],
    });
  });
});
