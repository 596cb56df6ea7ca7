import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  ToolCallError,
  getFunctionResponses,
  textOf,
  type Tool,
  type Toolset,
} from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { LlmAgent } from '../llm/llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';
import { calls, harness } from '../testing/run-harness.js';
import { McpToolset } from './mcp-toolset.js';
import { everythingOverStdio } from './testing/everything-server.js';

describe('LlmAgent with an MCP toolset (server-everything over stdio, through the Runner)', () => {
  it('declares the server tools to the model, calls one and answers with its result', async () => {
    await using toolset = new McpToolset({
      server: everythingOverStdio(),
      filter: ['get-sum', 'get-tiny-image'],
    });
    const local = new FunctionTool({
      name: 'local',
      description: 'A local tool',
      execute: () => 'ok',
    });
    const model = new ScriptedModel([
      calls(['get-sum', { a: 20, b: 22 }], ['get-tiny-image', {}]),
      'The sum is 42 and here is the logo.',
    ]);
    const agent = new LlmAgent({ name: 'calc', model, tools: [local, toolset] });
    expect(agent.tools).toEqual([local]);
    expect(agent.toolsets).toEqual([toolset]);
    // Nothing is started when the agent is built.
    expect(toolset.pid).toBeUndefined();

    const events = await harness(agent).send('What is 20 + 22?');
    const declared = model.requests[0]!.tools.map((tool) => tool.name).sort();
    expect(declared).toEqual(['get-sum', 'get-tiny-image', 'local']);
    expect(model.requests[0]!.tools.find((t) => t.name === 'get-sum')!.parameters).toMatchObject({
      properties: { a: { type: 'number' }, b: { type: 'number' } },
    });
    const responses = events.flatMap(getFunctionResponses);
    expect(responses.map((r) => r.name)).toEqual(['get-sum', 'get-tiny-image']);
    expect(responses[0]!.response).toEqual({ content: [{ text: 'The sum of 20 and 22 is 42.' }] });
    expect(responses[1]!.response.content).toContainEqual({
      inlineData: { mimeType: 'image/png', data: expect.any(String) },
    });
    // The second model call saw the MCP results in its history.
    const history = JSON.stringify(model.requests[1]!.contents);
    expect(history).toContain('The sum of 20 and 22 is 42.');
    expect(textOf(events.at(-1)!.content)).toBe('The sum is 42 and here is the logo.');
  });

  it('an isError result reaches the model as { error } and the run goes on', async () => {
    await using toolset = new McpToolset({
      server: everythingOverStdio(),
      filter: ['get-resource-reference'],
    });
    // 1.5 passes the schema (a number); the server refuses it (not an integer) with isError.
    const model = new ScriptedModel([
      calls(['get-resource-reference', { resourceId: 1.5 }]),
      'sorry',
    ]);
    const agent = new LlmAgent({ name: 'reader', model, tools: [toolset] });
    const events = await harness(agent).send('fetch');
    const [response] = events.flatMap(getFunctionResponses);
    expect(response!.response).toEqual({ error: expect.stringMatching(/Invalid resourceId: 1.5/) });
    expect(JSON.stringify(model.requests[1]!.contents)).toContain('Invalid resourceId: 1.5');
    expect(textOf(events.at(-1)!.content)).toBe('sorry');
  });

  it('fails the run with tool.error when the server cannot be started', async () => {
    await using toolset = new McpToolset({ server: { command: '/nonexistent/server' } });
    const model = new ScriptedModel(['never asked']);
    const agent = new LlmAgent({ name: 'calc', model, tools: [toolset] });
    const error = await harness(agent)
      .send('hi')
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(ToolCallError.isInstance(error)).toBe(true);
    expect(model.requests).toHaveLength(0);
  });

  it('refuses a toolset tool whose name another tool already has', async () => {
    const clash: Tool = new FunctionTool({ name: 'echo', description: 'mine', execute: () => 'x' });
    const toolset: Toolset = {
      getTools: () => Promise.resolve([clash]),
      close: () => Promise.resolve(),
    };
    const model = new ScriptedModel(['never asked']);
    const agent = new LlmAgent({ name: 'calc', model, tools: [clash, toolset] });
    const error = await harness(agent)
      .send('hi')
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/two tools named 'echo'/);
  });

  it('asks the toolset before every model call', async () => {
    let asked = 0;
    const clock = new FunctionTool({ name: 'clock', description: 'time', execute: () => '12:00' });
    const list = [clock];
    const toolset: Toolset = {
      getTools: () => {
        asked++;
        return Promise.resolve(list);
      },
      close: () => Promise.resolve(),
    };
    const model = new ScriptedModel([calls(['clock', {}]), 'noon']);
    const agent = new LlmAgent({ name: 'desk', model, tools: [toolset] });
    await harness(agent).send('time?');
    expect(asked).toBe(2);
    expect(model.requests.map((request) => request.tools.map((tool) => tool.name))).toEqual([
      ['clock'],
      ['clock'],
    ]);
  });
});
