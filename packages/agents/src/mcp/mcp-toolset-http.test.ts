import { afterEach, describe, expect, it } from 'vitest';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { McpToolset } from './mcp-toolset.js';
import {
  expectToolCallError,
  freePort,
  startEverythingOverHttp,
  type EverythingHttpServer,
} from './testing/everything-server.js';

function tool<T extends { name: string }>(tools: readonly T[], name: string): T {
  const found = tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

describe('McpToolset over Streamable HTTP (server-everything)', () => {
  const started: EverythingHttpServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.kill()));
  });
  async function start(port: number): Promise<EverythingHttpServer> {
    const server = await startEverythingOverHttp(port);
    started.push(server);
    return server;
  }

  it('lists tools and maps text, image, structured and error results', async () => {
    const server = await start(await freePort());
    await using toolset = new McpToolset({
      server: { url: server.url },
      filter: (t) => t.name !== 'echo',
    });
    const tools = await toolset.getTools();
    expect(tools.some((t) => t.name === 'echo')).toBe(false);
    expect(toolset.pid).toBeUndefined();
    expect(await tool(tools, 'get-sum').execute({ a: 1, b: 2 })).toEqual({
      content: [{ text: 'The sum of 1 and 2 is 3.' }],
    });
    const image = await tool(tools, 'get-tiny-image').execute({});
    expect(image.content).toContainEqual({
      inlineData: { mimeType: 'image/png', data: expect.any(String) },
    });
    const weather = await tool(tools, 'get-structured-content').execute({ location: 'New York' });
    expect(weather.structuredContent).toEqual({
      temperature: 33,
      conditions: 'Cloudy',
      humidity: 82,
    });
    const failed = await tool(tools, 'get-sum').execute({ a: [], b: 2 });
    expect(failed.error).toMatch(/expected number/i);
  });

  it('a call while the server is down fails typed; after it is back, the next call reconnects', async () => {
    const port = await freePort();
    const server = await start(port);
    await using toolset = new McpToolset({ server: { url: server.url } });
    const echo = tool(await toolset.getTools(), 'echo');
    expect(await echo.execute({ message: 'one' })).toEqual({ content: [{ text: 'Echo: one' }] });
    await server.kill();

    const error = await expectToolCallError(echo.execute({ message: 'two' }));
    expect(error.toolName).toBe('echo');
    expect(error.message).toMatch(/broke off|ECONNREFUSED|closed the connection/);

    await start(port);
    expect(await echo.execute({ message: 'three' })).toEqual({
      content: [{ text: 'Echo: three' }],
    });
  });

  it('a call in flight when the server dies fails typed at once, not at its request timeout', async () => {
    const server = await start(await freePort());
    // A request timeout far past the test's own: only the broken connection can end this call.
    await using toolset = new McpToolset({
      server: { url: server.url },
      requestTimeoutMs: 600_000,
    });
    const tools = await toolset.getTools();
    const long = tool(tools, 'trigger-long-running-operation').execute({
      duration: 600,
      steps: 600,
    });
    const failed = expectToolCallError(long);
    await tool(tools, 'echo').execute({ message: 'ping' });
    await server.kill();
    const error = await failed;
    expect(error.toolName).toBe('trigger-long-running-operation');
    expect(error.cause instanceof McpError && error.cause.code === -32001).toBe(false);
  });

  it('cancellation aborts an in-flight call with ToolCallError', async () => {
    const server = await start(await freePort());
    await using toolset = new McpToolset({
      server: { url: server.url },
      requestTimeoutMs: 600_000,
    });
    const tools = await toolset.getTools();
    const controller = new AbortController();
    const long = tool(tools, 'trigger-long-running-operation').execute(
      { duration: 600, steps: 600 },
      { signal: controller.signal },
    );
    await tool(tools, 'echo').execute({ message: 'ping' });
    controller.abort(new Error('stop'));
    const error = await expectToolCallError(long);
    expect(error.message).toMatch(/was cancelled/);
    expect(await tool(tools, 'echo').execute({ message: 'after' })).toEqual({
      content: [{ text: 'Echo: after' }],
    });
  });

  it('fails typed when nothing listens at the URL', async () => {
    await using toolset = new McpToolset({
      server: { url: `http://127.0.0.1:${await freePort()}/mcp` },
    });
    const error = await expectToolCallError(toolset.getTools());
    expect(error.message).toMatch(/Cannot connect to MCP server/);
  });
});
