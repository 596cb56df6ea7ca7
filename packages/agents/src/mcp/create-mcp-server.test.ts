import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { InvalidArgumentError } from '@ferrite/core';
import { ScriptedModel, untilAborted } from '@ferrite/core/testing';
import { z } from 'zod';
import { LlmAgent } from '../llm/llm-agent.js';
import { FunctionTool } from '../tools/function-tool.js';
import { createMcpHttpHandler } from './mcp-http-handler.js';
import { createMcpServer, type CreateMcpServerConfig } from './create-mcp-server.js';
import { McpToolset } from './mcp-toolset.js';

const add = new FunctionTool({
  name: 'add',
  description: 'Adds two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ sum: a + b }),
});
const shout = new FunctionTool({
  name: 'shout',
  description: 'Upper-cases a text',
  parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  execute: ({ text }) => String(text).toUpperCase(),
});
const broken = new FunctionTool({
  name: 'broken',
  description: 'Always fails',
  execute: () => {
    throw new Error('disk on fire');
  },
});

describe('createMcpServer over Streamable HTTP (node:http on port 0, the SDK client)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(config: () => CreateMcpServerConfig, allowedOrigins?: string[]) {
    const handle = createMcpHttpHandler(
      () => createMcpServer(config()),
      allowedOrigins ? { allowedOrigins } : {},
    );
    const http: HttpServer = createServer((request, response) => void handle(request, response));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const address = http.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp`;
    cleanups.push(async () => {
      http.closeAllConnections();
      http.close();
      await once(http, 'close');
    });
    return url;
  }

  async function connect(url: string): Promise<Client> {
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    cleanups.push(() => client.close());
    return client;
  }

  it('serves tools with their parameters as input schemas, results as text and structuredContent', async () => {
    const client = await connect(
      await serve(() => ({ name: 'calc', tools: [add, shout, broken] })),
    );
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['add', 'shout', 'broken']);
    expect(tools[0]!.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
    });
    expect(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).toMatchObject({
      content: [{ type: 'text', text: '{"sum":5}' }],
      structuredContent: { sum: 5 },
    });
    expect(await client.callTool({ name: 'shout', arguments: { text: 'hi' } })).toMatchObject({
      structuredContent: { result: 'HI' },
    });
    const invalid = await client.callTool({ name: 'add', arguments: { a: 'x', b: 3 } });
    expect(invalid.isError).toBe(true);
    expect(JSON.stringify(invalid.content)).toMatch(/Invalid arguments for tool 'add'/);
    const failed = await client.callTool({ name: 'broken', arguments: {} });
    expect(failed).toMatchObject({
      isError: true,
      content: [{ type: 'text', text: 'disk on fire' }],
    });
    const unknown = await client.callTool({ name: 'nope', arguments: {} });
    expect(unknown.isError).toBe(true);
  });

  it('serves an agent run through a Runner as one tool, continuing a session by id', async () => {
    const sessionService = new InMemorySessionService();
    const model = new ScriptedModel(['Hello Ana.', 'You are Ana.']);
    const agent = new LlmAgent({ name: 'greeter', description: 'Greets people', model });
    const runner = new Runner({ appName: 'desk', agent, sessionService });
    const client = await connect(await serve(() => ({ runner })));
    const { tools } = await client.listTools();
    expect(tools).toEqual([
      expect.objectContaining({ name: 'greeter', description: 'Greets people' }),
    ]);
    const first = await client.callTool({ name: 'greeter', arguments: { message: 'I am Ana' } });
    expect(first.content).toEqual([{ type: 'text', text: 'Hello Ana.' }]);
    const sessionId = (first.structuredContent as { sessionId: string }).sessionId;
    const second = await client.callTool({
      name: 'greeter',
      arguments: { message: 'Who am I?', sessionId },
    });
    expect(second.structuredContent).toEqual({ text: 'You are Ana.', sessionId });
    // The second model call saw the first exchange: one session, two turns.
    expect(JSON.stringify(model.requests[1]!.contents)).toContain('I am Ana');
    const session = await sessionService.getSession({ appName: 'desk', userId: 'mcp', sessionId });
    expect(session!.events).toHaveLength(4);
  });

  it('answers a failed run with isError and its code', async () => {
    const runner = new Runner({
      appName: 'desk',
      agent: new LlmAgent({ name: 'fails', model: new ScriptedModel([new Error('model down')]) }),
      sessionService: new InMemorySessionService(),
    });
    const client = await connect(await serve(() => ({ runner })));
    const result = await client.callTool({ name: 'fails', arguments: { message: 'hi' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(/model\.error|model down/);
  });

  it('a client that goes away mid-call cancels the agent run', async () => {
    let aborted: AbortSignal | undefined;
    const model = new ScriptedModel([
      (_request, options) => {
        aborted = options.signal;
        return untilAborted(options.signal);
      },
    ]);
    const runner = new Runner({
      appName: 'desk',
      agent: new LlmAgent({ name: 'slow', model }),
      sessionService: new InMemorySessionService(),
    });
    const client = await connect(await serve(() => ({ runner })));
    const call = client.callTool({ name: 'slow', arguments: { message: 'hi' } });
    while (!aborted) await new Promise((resolve) => setTimeout(resolve, 10));
    await client.close();
    await expect(call).rejects.toThrow(/Connection closed/);
    // The stateless handler closes the request's server when its response closes, which aborts the run.
    while (!aborted.aborted) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(aborted.aborted).toBe(true);
  });

  it('an McpToolset talks to a served agent', async () => {
    const runner = new Runner({
      appName: 'desk',
      agent: new LlmAgent({ name: 'echoer', model: new ScriptedModel(['pong']) }),
      sessionService: new InMemorySessionService(),
    });
    const url = await serve(() => ({ runner }));
    await using toolset = new McpToolset({ server: { url } });
    const [tool] = await toolset.getTools();
    const answer = await tool!.execute({ message: 'ping' });
    expect(answer.content).toEqual([{ text: 'pong' }]);
    expect(answer.structuredContent).toMatchObject({ text: 'pong' });
  });

  it('refuses requests from a foreign Origin and answers GET with 405', async () => {
    const url = await serve(() => ({ tools: [add] }), ['http://allowed.example']);
    const post = (origin: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          origin,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
    expect((await post('http://evil.example')).status).toBe(403);
    const allowed = await post('http://allowed.example');
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('"add"');
    expect((await fetch(url)).status).toBe(405);
  });

  it('refuses a config without tools or runner, and two tools of one name', () => {
    expect(() => createMcpServer({})).toThrow(InvalidArgumentError);
    expect(() => createMcpServer({ tools: [add, add] })).toThrow(
      /Two MCP tools would be named 'add'/,
    );
  });
});
