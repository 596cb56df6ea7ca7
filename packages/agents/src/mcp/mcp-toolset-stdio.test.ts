import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@ferrite/core';
import { isProcessAlive } from './child-processes.js';
import { McpToolset } from './mcp-toolset.js';
import { everythingOverStdio, expectToolCallError } from './testing/everything-server.js';

/** Waits until `pid` no longer exists (a SIGKILLed child is reaped asynchronously). */
async function gone(pid: number): Promise<void> {
  while (isProcessAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20));
}

function tool<T extends { name: string }>(tools: readonly T[], name: string): T {
  const found = tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name} in ${tools.map((t) => t.name).join(', ')}`);
  return found;
}

describe('McpToolset over stdio (server-everything)', () => {
  it('starts nothing until the tools are asked for, then lists them with their input schemas', async () => {
    await using toolset = new McpToolset({ server: everythingOverStdio() });
    expect(toolset.pid).toBeUndefined();
    const tools = await toolset.getTools();
    expect(toolset.pid).toBeTypeOf('number');
    const sum = tool(tools, 'get-sum');
    expect(sum.description).toBe('Returns the sum of two numbers');
    expect(sum.parameters).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
  });

  it('maps text, image and structured results to function responses', async () => {
    await using toolset = new McpToolset({ server: everythingOverStdio() });
    const tools = await toolset.getTools();
    expect(await tool(tools, 'echo').execute({ message: 'hello' })).toEqual({
      content: [{ text: 'Echo: hello' }],
    });
    expect(await tool(tools, 'get-sum').execute({ a: 2, b: 40 })).toEqual({
      content: [{ text: 'The sum of 2 and 40 is 42.' }],
    });
    const image = await tool(tools, 'get-tiny-image').execute({});
    const parts = image.content as {
      text?: string;
      inlineData?: { mimeType: string; data: string };
    }[];
    expect(parts).toHaveLength(3);
    expect(parts[1]!.inlineData!.mimeType).toBe('image/png');
    // The PNG signature, decoded from the base64 data.
    expect([...Buffer.from(parts[1]!.inlineData!.data, 'base64').subarray(0, 4)]).toEqual([
      0x89, 0x50, 0x4e, 0x47,
    ]);
    const weather = await tool(tools, 'get-structured-content').execute({ location: 'Chicago' });
    expect(weather.structuredContent).toEqual({
      temperature: 36,
      conditions: 'Light rain / drizzle',
      humidity: 82,
    });
  });

  it('gives the model the error text of a result flagged isError, or fails the run with failRunOnError', async () => {
    await using toolset = new McpToolset({ server: everythingOverStdio() });
    const sum = tool(await toolset.getTools(), 'get-sum');
    const answer = await sum.execute({ a: 'two', b: 3 });
    expect(Object.keys(answer)).toEqual(['error']);
    expect(answer.error).toMatch(/expected number/i);

    await using strict = new McpToolset({ server: everythingOverStdio(), failRunOnError: true });
    const strictSum = tool(await strict.getTools(), 'get-sum');
    const error = await expectToolCallError(strictSum.execute({ a: 'two', b: 3 }));
    expect(error.toolName).toBe('get-sum');
    expect(error.message).toMatch(/reported an error: .*expected number/is);
  });

  it('checks arguments against the server schema before calling', async () => {
    await using toolset = new McpToolset({ server: everythingOverStdio() });
    const sum = tool(await toolset.getTools(), 'get-sum');
    expect(await sum.validateArguments({ a: 1 })).toMatchObject({ ok: false });
    expect(await sum.validateArguments({ a: 1, b: 2 })).toEqual({
      ok: true,
      value: { a: 1, b: 2 },
    });
  });

  it('filters by a list of names or a predicate, and prefixes names', async () => {
    await using byName = new McpToolset({
      server: everythingOverStdio(),
      filter: ['echo', 'get-sum', 'not-there'],
      toolNamePrefix: 'ev_',
    });
    const named = await byName.getTools();
    expect(named.map((t) => t.name).sort()).toEqual(['ev_echo', 'ev_get-sum']);
    expect(await tool(named, 'ev_echo').execute({ message: 'x' })).toEqual({
      content: [{ text: 'Echo: x' }],
    });

    await using byPredicate = new McpToolset({
      server: everythingOverStdio(),
      filter: (definition) => definition.name.startsWith('get-'),
    });
    const got = await byPredicate.getTools();
    expect(got.length).toBeGreaterThan(2);
    expect(got.every((t) => t.name.startsWith('get-'))).toBe(true);
  });

  it('refuses a bad config with InvalidArgumentError', () => {
    expect(() => new McpToolset({ server: { command: '' } })).toThrow(InvalidArgumentError);
    expect(() => new McpToolset({ server: { url: 'ftp://example.org/mcp' } })).toThrow(
      InvalidArgumentError,
    );
    expect(
      () =>
        new McpToolset({ server: everythingOverStdio(), filter: 'echo' as unknown as string[] }),
    ).toThrow(InvalidArgumentError);
    expect(() => new McpToolset({ server: everythingOverStdio(), requestTimeoutMs: 0 })).toThrow(
      InvalidArgumentError,
    );
  });

  it('fails typed when the command cannot be started', async () => {
    await using toolset = new McpToolset({ server: { command: '/nonexistent/mcp-server' } });
    const error = await expectToolCallError(toolset.getTools());
    expect(error.message).toMatch(/Cannot connect to MCP server '\/nonexistent\/mcp-server'/);
  });

  it('stops the child on close, and a later use starts a new one', async () => {
    const toolset = new McpToolset({ server: everythingOverStdio() });
    await toolset.getTools();
    const first = toolset.pid!;
    expect(isProcessAlive(first)).toBe(true);
    await toolset.close();
    expect(toolset.pid).toBeUndefined();
    await gone(first);
    const echo = tool(await toolset.getTools(), 'echo');
    expect(await echo.execute({ message: 'again' })).toEqual({
      content: [{ text: 'Echo: again' }],
    });
    const second = toolset.pid!;
    expect(second).not.toBe(first);
    await toolset[Symbol.asyncDispose]();
    await gone(second);
  });

  it('a call in flight when the child is killed fails typed; the next call restarts the server', async () => {
    await using toolset = new McpToolset({ server: everythingOverStdio() });
    const tools = await toolset.getTools();
    const pid = toolset.pid!;
    const long = tool(tools, 'trigger-long-running-operation').execute({
      duration: 600,
      steps: 600,
    });
    const failed = expectToolCallError(long);
    // The request is on the wire once the echo sent after it has been answered.
    await tool(tools, 'echo').execute({ message: 'ping' });
    process.kill(pid, 'SIGKILL');
    const error = await failed;
    expect(error.toolName).toBe('trigger-long-running-operation');
    expect(error.message).toMatch(/closed the connection/);
    await gone(pid);
    expect(await tool(tools, 'echo').execute({ message: 'back' })).toEqual({
      content: [{ text: 'Echo: back' }],
    });
    expect(toolset.pid).not.toBe(pid);
  });

  it('cancellation aborts an in-flight call with ToolCallError and leaves the connection usable', async () => {
    await using toolset = new McpToolset({ server: everythingOverStdio() });
    const tools = await toolset.getTools();
    const pid = toolset.pid;
    const controller = new AbortController();
    const long = tool(tools, 'trigger-long-running-operation').execute(
      { duration: 600, steps: 600 },
      { signal: controller.signal },
    );
    await tool(tools, 'echo').execute({ message: 'ping' });
    controller.abort(new Error('user left'));
    const error = await expectToolCallError(long);
    expect(error.message).toMatch(/was cancelled/);
    expect((error.cause as Error).message).toBe('user left');
    expect(await tool(tools, 'echo').execute({ message: 'still' })).toEqual({
      content: [{ text: 'Echo: still' }],
    });
    expect(toolset.pid).toBe(pid);
  });

  it('an already aborted signal fails the call without sending it', async () => {
    await using toolset = new McpToolset({ server: everythingOverStdio() });
    const tools = await toolset.getTools();
    const controller = new AbortController();
    controller.abort();
    const error = await expectToolCallError(
      tool(tools, 'echo').execute({ message: 'x' }, { signal: controller.signal }),
    );
    expect(error.message).toMatch(/was cancelled/);
  });
});
