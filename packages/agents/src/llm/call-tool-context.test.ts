import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEvent, userContent, type InvocationContext, type ToolContext } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { InMemoryArtifactService } from '@ferrite/artifact';
import { InMemoryMemoryService } from '@ferrite/memory';
import { CallToolContext } from './call-tool-context.js';
import { LlmAgent } from './llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';
import { calls, harness } from '../testing/run-harness.js';

describe('ToolContext', () => {
  it('gives a tool the state, the artifacts, memory search and its call identity', async () => {
    const artifactService = new InMemoryArtifactService();
    const memoryService = new InMemoryMemoryService();
    let seen: ToolContext | undefined;
    const report = new FunctionTool({
      name: 'write_report',
      description: 'Writes a report about a topic',
      parameters: z.object({ topic: z.string() }),
      execute: async ({ topic }, context) => {
        seen = context;
        const memories = await context.searchMemory(topic);
        const body = `${String(context.state.get('user:name'))} on ${topic}: ${memories.length} memories`;
        const version = await context.artifacts!.save('report.txt', { text: body });
        const loaded = await context.artifacts!.load('report.txt');
        context.state.set('last_report', version);
        return { version, body: loaded?.text, files: await context.artifacts!.list() };
      },
    });
    const model = new ScriptedModel([
      calls(['write_report', { topic: 'otters' }, 'call_r1']),
      'Report written.',
    ]);
    const h = harness(new LlmAgent({ name: 'writer', model, tools: [report] }), {
      artifactService,
      memoryService,
    });
    const past = await h.sessionService.createSession({
      appName: 'app',
      userId: 'u1',
      sessionId: 'past',
      state: { 'user:name': 'Ada' },
    });
    await h.sessionService.appendEvent({
      session: past,
      event: createEvent({ author: 'user', content: userContent('I saw otters at the river') }),
    });
    await memoryService.addSessionToMemory(past);

    const events = await h.send('Write about otters');

    expect(seen).toMatchObject({
      functionCallId: 'call_r1',
      agentName: 'writer',
      appName: 'app',
      userId: 'u1',
      sessionId: 's1',
    });
    expect(seen!.invocationId).toBe(events[0]!.invocationId);
    expect(seen!.signal.aborted).toBe(false);
    const response = events[1]!;
    expect(response.content!.parts[0]!.functionResponse!.response).toEqual({
      version: 0,
      body: 'Ada on otters: 1 memories',
      files: ['report.txt'],
    });
    expect(response.actions.artifactDelta).toEqual({ 'report.txt': 0 });
    expect(response.actions.stateDelta).toEqual({ last_report: 0 });
    expect(
      await artifactService.loadArtifact({
        appName: 'app',
        userId: 'u1',
        sessionId: 's1',
        filename: 'report.txt',
      }),
    ).toMatchObject({ text: 'Ada on otters: 1 memories' });
  });

  it('answers memory search with nothing and offers no artifacts when no service is set', async () => {
    let found: unknown;
    let artifacts: unknown = 'unset';
    const probe = new FunctionTool({
      name: 'probe',
      description: 'Looks around',
      execute: async (_args, context) => {
        found = await context.searchMemory('anything');
        artifacts = context.artifacts;
        return {};
      },
    });
    const model = new ScriptedModel([calls(['probe', {}]), 'ok']);
    await harness(new LlmAgent({ name: 'agent', model, tools: [probe] })).send('go');
    expect(found).toEqual([]);
    expect(artifacts).toBeUndefined();
  });
});

describe('CallToolContext actions', () => {
  it('makes the actions object on first use and keeps what the tool wrote in it', () => {
    const context = new CallToolContext({} as InvocationContext, 'call-1', new AbortController());
    expect(context.askedActions).toBeUndefined();
    context.actions.escalate = true;
    context.actions.transferToAgent = 'billing';
    expect(context.actions).toBe(context.askedActions);
    expect(context.askedActions).toEqual({ escalate: true, transferToAgent: 'billing' });
  });
});
