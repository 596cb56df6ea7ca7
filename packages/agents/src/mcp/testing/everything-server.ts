import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ToolCallError } from '@ferrite/core';
import type { McpStdioServer } from '../mcp-server-parameters.js';

/** The reference MCP server from npm (`@modelcontextprotocol/server-everything`), started by tests. */
const script = fileURLToPath(
  new URL(
    '../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js',
    import.meta.url,
  ),
);

/** Parameters that start the reference server over stdio (node itself, so the pid is the server's). */
export function everythingOverStdio(): McpStdioServer {
  return { command: process.execPath, args: [script, 'stdio'], stderr: 'ignore' };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** The reference server over Streamable HTTP, as a child process on `port`. */
export interface EverythingHttpServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** SIGKILLs the child and waits until it has exited. */
  kill(): Promise<void>;
}

/** Starts the reference server's Streamable HTTP transport on `port` and waits until it listens. */
export async function startEverythingOverHttp(port: number): Promise<EverythingHttpServer> {
  const child = spawn(process.execPath, [script, 'streamableHttp'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (seen.includes('listening on port')) {
        child.stderr.off('data', onData);
        child.stderr.resume();
        resolve();
      }
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${seen}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    child,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Asserts that `promise` rejects with a ToolCallError (`tool.error`) and returns it. */
export async function expectToolCallError(promise: Promise<unknown>): Promise<ToolCallError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(ToolCallError.isInstance(error), `expected tool.error, got ${String(error)}`).toBe(true);
  return error as ToolCallError;
}
