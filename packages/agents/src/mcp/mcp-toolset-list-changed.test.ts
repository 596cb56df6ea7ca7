import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { McpToolset } from './mcp-toolset.js';

/**
 * A stateful MCP server from the SDK on node:http (port 0) with one session, counting the
 * `tools/list` requests it receives and keeping the headers of the last request.
 */
async function statefulServer() {
  const mcp = new McpServer({ name: 'changing', version: '1.0.0' });
  mcp.registerTool('first', { description: 'The first tool' }, () => ({
    content: [{ type: 'text', text: 'one' }],
  }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  await mcp.connect(transport);
  const seen = { lists: 0, headers: {} as IncomingHttpHeaders };
  const http = createServer((request, response) => {
    seen.headers = request.headers;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text ? JSON.parse(text) : undefined;
      if ((body as { method?: string } | undefined)?.method === 'tools/list') seen.lists++;
      void transport.handleRequest(request, response, body);
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    mcp,
    seen,
    url: `http://127.0.0.1:${port}/mcp`,
    async [Symbol.asyncDispose]() {
      await mcp.close();
      http.closeAllConnections();
      http.close();
      await once(http, 'close');
    },
  };
}

describe('McpToolset listing cache (SDK McpServer over Streamable HTTP)', () => {
  it('lists once per connection, sends the configured headers, and re-lists after tools/list_changed', async () => {
    await using server = await statefulServer();
    await using toolset = new McpToolset({
      server: { url: server.url, headers: { authorization: 'Bearer secret-token' } },
    });
    const first = await toolset.getTools();
    expect(first.map((tool) => tool.name)).toEqual(['first']);
    expect(server.seen.headers.authorization).toBe('Bearer secret-token');
    expect(await toolset.getTools()).toBe(first);
    expect(await toolset.getTools()).toBe(first);
    expect(server.seen.lists).toBe(1);

    // Registering a tool on a connected McpServer sends notifications/tools/list_changed.
    server.mcp.registerTool('second', { description: 'The second tool' }, () => ({
      content: [{ type: 'text', text: 'two' }],
    }));
    let names = first.map((tool) => tool.name);
    while (names.length < 2) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      names = (await toolset.getTools()).map((tool) => tool.name);
    }
    expect(names).toEqual(['first', 'second']);
    expect(server.seen.lists).toBe(2);
  });
});
