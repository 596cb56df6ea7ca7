import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import {
  FerriteError,
  OutputLimitError,
  TargetError,
  textOf,
  type Agent,
  type Event,
  type RunConfig,
} from '@ferrite/core';
import { HttpAgent } from '../http/http-agent.js';
import { ProcessAgent, type ProcessAgentConfig } from '../process/process-agent.js';
import { fakeContext } from '../testing/fake-context.js';
import { processTest } from '../testing/process-leaks.js';
import { WebSocketAgent } from '../websocket/websocket-agent.js';

// Whatever a target sends, the agent holds a bounded amount of it: a flood fails the turn with
// a typed error (run.output_limit past the run's outputCharLimit, target.error past the agent's
// own bounds), the child is stopped or the connection closed, and nothing is thrown outside
// the run (which would take the whole host process down).

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../process/fixtures/${name}`, import.meta.url));

/** Uncaught exceptions seen during the test: there must be none. */
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown): void => void uncaught.push(error);
beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtExceptionMonitor', recordUncaught);
});
afterEach(() => {
  process.off('uncaughtExceptionMonitor', recordUncaught);
  expect(uncaught).toEqual([]);
});

const it = processTest.extend<{
  processAgent: (config: Omit<ProcessAgentConfig, 'name'>) => ProcessAgent;
}>({
  processAgent: async ({ markedEnv }, use) => {
    await use((config) => new ProcessAgent({ name: 'target', ...config, env: markedEnv }));
  },
});

function turn(agent: Agent, text: string, runConfig?: RunConfig): Promise<Event[]> {
  const context = fakeContext(agent, text, runConfig ? { runConfig } : {});
  return lastValueFrom((agent.run(context) as Observable<Event>).pipe(toArray()));
}

/** The turn's error, which must be a FerriteError. */
async function failure(agent: Agent, text: string, runConfig?: RunConfig): Promise<FerriteError> {
  const error: unknown = await turn(agent, text, runConfig).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(FerriteError.isInstance(error), `expected a FerriteError, got ${String(error)}`).toBe(
    true,
  );
  return error as FerriteError;
}

/** True while `pid` runs (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function floodingPid(error: Error): number {
  const match = /flooding agent (\d+)/.exec(error.message);
  if (!match) throw new Error(`no pid in ${JSON.stringify(error.message.slice(0, 500))}`);
  return Number(match[1]);
}

const DEFAULT_MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

describe('ProcessAgent bounds', () => {
  it('fails a child flooding stdout with deltas (target.error) and stops it', async ({
    processAgent,
  }) => {
    const error = await failure(
      processAgent({ command: [process.execPath, fixture('flood.mjs')] }),
      'go',
    );
    expect(TargetError.isInstance(error)).toBe(true);
    expect(error.message).toContain(
      `the reply passed ${DEFAULT_MAX_OUTPUT_CHARS} characters (maxOutputChars)`,
    );
    expect(error.message.length).toBeLessThan(10_000);
    // The turn settles only once the process is gone.
    expect(alive(floodingPid(error))).toBe(false);
  });

  it('fails the flood with run.output_limit once it passes outputCharLimit', async ({
    processAgent,
  }) => {
    const target = processAgent({ command: [process.execPath, fixture('flood.mjs')] });
    const error = await failure(target, 'go', { outputCharLimit: 50_000 });
    expect(OutputLimitError.isInstance(error)).toBe(true);
    expect(error.message).toContain('passed 50000 characters (outputCharLimit)');
    // The process-leak check of processTest finds the child gone.
  });

  it('fails a flooding reused process and starts a fresh one for the next turn', async ({
    processAgent,
  }) => {
    await using target = processAgent({
      command: [process.execPath, fixture('flood.mjs')],
      reuse: true,
      maxOutputChars: 100_000,
    });
    const first = await failure(target, 'go');
    expect(first.message).toContain('the reply passed 100000 characters (maxOutputChars)');
    expect(alive(floodingPid(first))).toBe(false);
    const second = await failure(target, 'again');
    expect(floodingPid(second)).not.toBe(floodingPid(first));
  });

  it('fails a child writing one endless line and stops it', async ({ processAgent }) => {
    const target = processAgent({ command: [process.execPath, fixture('flood-line.mjs')] });
    const error = await failure(target, 'go', { outputCharLimit: 50_000 });
    expect(TargetError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`stdout line 1 is longer than ${1024 * 1024} bytes`);
    expect(alive(floodingPid(error))).toBe(false);
  });

  // stream.mjs streams 'one two three' as 'one ', 'two ', 'three': 13 characters.
  it('outputCharLimit: exactly the limit completes, one character more fails', async ({
    processAgent,
  }) => {
    const target = processAgent({ command: [process.execPath, fixture('stream.mjs')] });
    const events = await turn(target, 'one two three', { outputCharLimit: 13 });
    expect(textOf(events.at(-1)!.content)).toBe('one two three');
    const streamed: string[] = [];
    const error = await new Promise<unknown>((resolve) => {
      const context = fakeContext(target, 'one two three', { runConfig: { outputCharLimit: 12 } });
      target.run(context).subscribe({
        next: (event) => streamed.push(textOf(event.content)),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(OutputLimitError.isInstance(error)).toBe(true);
    expect(streamed).toEqual(['one ', 'two ']);
  });

  it('maxOutputChars: exactly the limit completes, one character more fails', async ({
    processAgent,
  }) => {
    const command = [process.execPath, fixture('stream.mjs')];
    const events = await turn(processAgent({ command, maxOutputChars: 13 }), 'one two three');
    expect(textOf(events.at(-1)!.content)).toBe('one two three');
    const error = await failure(processAgent({ command, maxOutputChars: 12 }), 'one two three');
    expect(TargetError.isInstance(error)).toBe(true);
    expect(error.message).toContain('the reply passed 12 characters (maxOutputChars)');
  });

  it('counts a final output against the bounds too', async ({ processAgent }) => {
    // echo.mjs answers 'echo: <input>' in one final message.
    const command = [process.execPath, fixture('echo.mjs')];
    expect(
      textOf((await turn(processAgent({ command, maxOutputChars: 8 }), 'hi'))[0]!.content),
    ).toBe('echo: hi');
    const error = await failure(processAgent({ command, maxOutputChars: 7 }), 'hi');
    expect(error.message).toContain('the reply passed 7 characters (maxOutputChars)');
    const limited = await failure(processAgent({ command }), 'hi', { outputCharLimit: 7 });
    expect(OutputLimitError.isInstance(limited)).toBe(true);
  });
});

describe('HttpAgent bounds', () => {
  let server: Server;
  let base: string;
  /** Resolves once the server saw the flooded client go away. */
  let floodClosed: Promise<void>;
  let markFloodClosed: () => void;

  function flood(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.on('error', () => undefined);
    response.on('close', () => markFloodClosed());
    const burst = `data: ${JSON.stringify({ delta: 'x'.repeat(1000) })}\n\n`.repeat(64);
    const write = (): void => {
      while (!response.destroyed && response.write(burst));
      if (!response.destroyed) response.once('drain', write);
    };
    write();
  }

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      if (request.url === '/flood') return flood(response);
      if (request.url === '/stream') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const delta of ['one ', 'two ', 'three']) {
          response.write(`data: ${JSON.stringify({ delta })}\n\n`);
        }
        return void response.end('data: [DONE]\n\n');
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ output: 'echo: hi' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    floodClosed = new Promise((resolve) => (markFloodClosed = resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const http = (path: string, extra: { maxOutputChars?: number } = {}): HttpAgent =>
    new HttpAgent({ name: 'remote', url: `${base}${path}`, stream: 'sse', ...extra });

  it('fails an endless event stream (target.error) and drops the connection', async () => {
    const error = await failure(http('/flood'), 'go');
    expect(TargetError.isInstance(error)).toBe(true);
    expect(error.message).toContain(
      `the reply passed ${DEFAULT_MAX_OUTPUT_CHARS} characters (maxOutputChars)`,
    );
    await floodClosed;
  });

  it('fails an endless event stream with run.output_limit past outputCharLimit', async () => {
    const error = await failure(http('/flood'), 'go', { outputCharLimit: 50_000 });
    expect(OutputLimitError.isInstance(error)).toBe(true);
    await floodClosed;
  });

  it('outputCharLimit and maxOutputChars: exactly the limit completes, one more fails', async () => {
    const events = await turn(http('/stream'), 'x', { outputCharLimit: 13 });
    expect(textOf(events.at(-1)!.content)).toBe('one two three');
    const limited = await failure(http('/stream'), 'x', { outputCharLimit: 12 });
    expect(OutputLimitError.isInstance(limited)).toBe(true);
    await turn(http('/stream', { maxOutputChars: 13 }), 'x');
    const bounded = await failure(http('/stream', { maxOutputChars: 12 }), 'x');
    expect(bounded.message).toContain('the reply passed 12 characters (maxOutputChars)');
  });

  it('counts a JSON answer against the bounds too', async () => {
    const json = (maxOutputChars: number): HttpAgent =>
      new HttpAgent({ name: 'remote', url: `${base}/json`, maxOutputChars });
    expect(textOf((await turn(json(8), 'hi'))[0]!.content)).toBe('echo: hi');
    const error = await failure(json(7), 'hi');
    expect(TargetError.isInstance(error)).toBe(true);
    expect(error.message).toContain('the reply passed 7 characters (maxOutputChars)');
  });
});

describe('WebSocketAgent bounds', () => {
  let server: WebSocketServer;
  let url: string;
  let closed: Promise<void>;
  let markClosed: () => void;

  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
    server.on('connection', (socket) => {
      socket.on('error', () => undefined);
      socket.on('close', () => markClosed());
      socket.on('message', (data) => {
        const input = (JSON.parse((data as Buffer).toString()) as { input: string }).input;
        if (input === 'flood') {
          const delta = JSON.stringify({ type: 'delta', delta: 'x'.repeat(1000) });
          const pump = (): void => {
            if (socket.readyState !== WebSocket.OPEN) return;
            for (let i = 0; i < 63; i++) socket.send(delta);
            socket.send(delta, (error) => {
              if (!error) pump();
            });
          };
          return pump();
        }
        for (const delta of ['one ', 'two ', 'three']) {
          socket.send(JSON.stringify({ type: 'delta', delta }));
        }
        socket.send(JSON.stringify({ type: 'final' }));
      });
    });
  });

  beforeEach(() => {
    closed = new Promise((resolve) => (markClosed = resolve));
  });

  afterAll(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a flooding peer (target.error) and closes the connection', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    const error = await failure(target, 'flood');
    expect(TargetError.isInstance(error)).toBe(true);
    expect(error.message).toContain(
      `the reply passed ${DEFAULT_MAX_OUTPUT_CHARS} characters (maxOutputChars)`,
    );
    await closed;
    // The next turn gets a fresh connection.
    const events = await turn(target, 'hello');
    expect(textOf(events.at(-1)!.content)).toBe('one two three');
    expect(target.connections).toBe(2);
  });

  it('fails a flooding peer with run.output_limit past outputCharLimit', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    const error = await failure(target, 'flood', { outputCharLimit: 50_000 });
    expect(OutputLimitError.isInstance(error)).toBe(true);
    await closed;
  });

  it('outputCharLimit and maxOutputChars: exactly the limit completes, one more fails', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    const events = await turn(target, 'x', { outputCharLimit: 13 });
    expect(textOf(events.at(-1)!.content)).toBe('one two three');
    expect(OutputLimitError.isInstance(await failure(target, 'x', { outputCharLimit: 12 }))).toBe(
      true,
    );
    await using bounded = new WebSocketAgent({ name: 'live', url, maxOutputChars: 12 });
    expect((await failure(bounded, 'x')).message).toContain(
      'the reply passed 12 characters (maxOutputChars)',
    );
  });
});
