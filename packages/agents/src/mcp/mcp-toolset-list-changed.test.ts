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

/**
 * A server keeping one SDK McpServer per session, answering 404 for a session it does not know
 * (as the protocol asks); `forget()` drops every session as a restart would, without closing
 * their streams, so the client learns of it only from the 404.
 */
async function forgetfulServer() {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let calls = 0;
  const http = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text ? JSON.parse(text) : undefined;
      const id = request.headers['mcp-session-id'];
      const known = typeof id === 'string' ? sessions.get(id) : undefined;
      if (known) return void known.handleRequest(request, response, body);
      if (id !== undefined) {
        response.writeHead(404, { 'content-type': 'application/json' });
        return void response.end(
          '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}',
        );
      }
      const mcp = new McpServer({ name: 'forgetful', version: '1.0.0' });
      mcp.registerTool('count', { description: 'Counts its calls' }, () => ({
        content: [{ type: 'text', text: String(++calls) }],
      }));
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
      });
      void mcp.connect(transport).then(() => transport.handleRequest(request, response, body));
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    forget: () => sessions.clear(),
    async [Symbol.asyncDispose]() {
      http.closeAllConnections();
      http.close();
      await once(http, 'close');
    },
  };
}

describe('McpToolset over Streamable HTTP against the SDK McpServer', () => {
  it('a session the server no longer knows (404) is replaced and the call sent once more', async () => {
    await using server = await forgetfulServer();
    await using toolset = new McpToolset({ server: { url: server.url } });
    const [count] = await toolset.getTools();
    expect(await count!.execute({})).toEqual({ content: [{ text: '1' }] });
    server.forget();
    // Ran exactly once more: the 404 request was not run, the retry was.
    expect(await count!.execute({})).toEqual({ content: [{ text: '2' }] });
    expect(await count!.execute({})).toEqual({ content: [{ text: '3' }] });
  });

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
