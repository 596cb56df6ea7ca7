import { describe, expect, it } from 'vitest';
import { textOf } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { LlmAgent } from './llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';
import { calls, harness } from '../testing/run-harness.js';

describe('partial events of one model response', () => {
  it('carry the id of the stored event that ends the response', async () => {
    const echo = new FunctionTool({
      name: 'echo',
      description: 'Echoes',
      parameters: { type: 'object', properties: {} },
      execute: async () => ({ ok: true }),
    });
    const model = new ScriptedModel(
      ['Let me check that.', calls(['echo', {}, 'c1']), 'All checked, it works.'],
      { chunkSize: 4 },
    );
    // Two text responses with a tool call between them: two responses, each with its chunks.
    const h = harness(new LlmAgent({ name: 'agent', model, tools: [echo] }));
    const first = await h.send('one', { runConfig: { streamingMode: 'sse' } });
    const second = await h.send('two', { runConfig: { streamingMode: 'sse' } });
    for (const events of [first, second]) {
      const partials = events.filter((e) => e.partial);
      expect(partials.length).toBeGreaterThan(1);
      const final = events.find((e) => !e.partial && textOf(e.content) !== '')!;
      expect(new Set(partials.map((e) => e.id))).toEqual(new Set([final.id]));
    }
    const stored = (await h.session()).events;
    // Distinct responses keep distinct ids, and what is stored has no repeated id.
    expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length);
    const responses = [...first, ...second].filter((e) => !e.partial);
    expect(new Set(responses.map((e) => e.id)).size).toBe(responses.length);
  });
});
