import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  OutputLimitError,
  RunTimeoutError,
  TargetError,
  textOf,
  userContent,
  type Agent,
  type Event,
} from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { HttpAgent } from '../http/http-agent.js';
import { processTest as it, waitUntilUnmarked } from '../testing/process-leaks.js';
import { ProcessAgent } from '../process/process-agent.js';
import { WebSocketAgent } from '../websocket/websocket-agent.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../process/fixtures/${name}`, import.meta.url));

function runnerFor(
  agent: Agent,
  streamingMode: 'sse' | 'none' = 'sse',
  guards: { maxDurationMs?: number; outputCharLimit?: number } = {},
): Runner {
  return new Runner({
    appName: 'targets_app',
    agent,
    sessionService: new InMemorySessionService(),
    runConfig: { streamingMode, ...guards },
  });
}

function run(runner: Runner, text: string, sessionId = 's1'): Promise<Event[]> {
  return lastValueFrom(runner.run('u1', sessionId, userContent(text)).pipe(toArray()));
}

async function storedTexts(runner: Runner, sessionId = 's1'): Promise<[string, string][]> {
  const session = await runner.sessionService.getSession({
    appName: 'targets_app',
    userId: 'u1',
    sessionId,
  });
  return (session?.events ?? []).map((e) => [e.author, textOf(e.content)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (alive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} is still running`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ProcessAgent through the Runner', () => {
  it("emits deltas as partials in 'sse' mode and stores only the final event", async ({
    markedEnv,
  }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'streamer',
        command: [process.execPath, fixture('stream.mjs')],
        env: markedEnv,
      }),
    );
    const events = await run(runner, 'red green blue');
    expect(events.map((e) => [e.partial ?? false, textOf(e.content)])).toEqual([
      [true, 'red '],
      [true, 'green '],
      [true, 'blue'],
      [false, 'red green blue'],
    ]);
    const final = events.at(-1)!;
    expect(final.author).toBe('streamer');
    expect(final.invocationId).not.toBe('');
    expect(await storedTexts(runner)).toEqual([
      ['user', 'red green blue'],
      ['streamer', 'red green blue'],
    ]);
  });

  it("emits no partials in 'none' mode", async ({ markedEnv }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'streamer',
        command: [process.execPath, fixture('stream.mjs')],
        env: markedEnv,
      }),
      'none',
    );
    const events = await run(runner, 'red green');
    expect(events.map((e) => textOf(e.content))).toEqual(['red green']);
  });

  it('keeps one reused process across the turns of a session', async ({ markedEnv }) => {
    await using agent = new ProcessAgent({
      name: 'counter',
      command: [process.execPath, fixture('counter.mjs')],
      env: markedEnv,
      readyPattern: '^READY$',
      reuse: true,
    });
    const runner = runnerFor(agent);
    await run(runner, 'one');
    const [second] = await run(runner, 'two');
    expect(textOf(second!.content)).toBe(`${agent.pid}:2:two`);
    expect((await storedTexts(runner)).map(([, text]) => text)).toEqual([
      'one',
      `${agent.pid}:1:one`,
      'two',
      `${agent.pid}:2:two`,
    ]);
  });

  it('errors the run with the TargetError and keeps the user message', async ({ markedEnv }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'echo',
        command: [process.execPath, fixture('echo.mjs')],
        env: markedEnv,
      }),
    );
    const error: unknown = await run(runner, 'fail').catch((e: unknown) => e);
    expect(TargetError.isInstance(error)).toBe(true);
    expect((error as TargetError).targetCode).toBe('RATE_LIMIT');
    expect(await storedTexts(runner)).toEqual([['user', 'fail']]);
  });

  it('kills a slow process when the maxDurationMs guard trips', async ({ markedEnv }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'stubborn',
        command: [process.execPath, fixture('trap-term.mjs')],
        env: markedEnv,
        killTimeoutMs: 200,
      }),
      'sse',
      { maxDurationMs: 5000 },
    );
    let pid = 0;
    const error = await new Promise<unknown>((resolve) => {
      runner.run('u1', 's1', userContent('hi')).subscribe({
        next: (event) => (pid = Number(/pid=(\d+)/.exec(textOf(event.content))?.[1])),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(RunTimeoutError.isInstance(error)).toBe(true);
    expect(pid).toBeGreaterThan(0);
    // It ignores SIGTERM, so it is gone only once SIGKILL followed.
    await waitUntilGone(pid);
  });

  it('stops at outputCharLimit: the long answer is neither emitted nor stored', async ({
    mark,
    markedEnv,
  }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'echo',
        command: [process.execPath, fixture('echo.mjs')],
        env: markedEnv,
      }),
      'sse',
      { outputCharLimit: 20 },
    );
    expect(textOf((await run(runner, 'short', 's1'))[0]!.content)).toBe('echo: short');
    const events: Event[] = [];
    const error = await new Promise<unknown>((resolve) => {
      runner.run('u1', 's2', userContent('a much longer question')).subscribe({
        next: (event) => events.push(event),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(OutputLimitError.isInstance(error)).toBe(true);
    expect(events).toEqual([]);
    expect(await storedTexts(runner, 's2')).toEqual([['user', 'a much longer question']]);
    // The stream ended as the guard tripped; the process, already signalled, goes soon after.
    await waitUntilUnmarked(mark);
  });

  it('fails a flooding child with run.output_limit past outputCharLimit, storing nothing', async ({
    mark,
    markedEnv,
  }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'flood',
        command: [process.execPath, fixture('flood.mjs')],
        env: markedEnv,
      }),
      'none',
      { outputCharLimit: 100_000 },
    );
    const events: Event[] = [];
    const error = await new Promise<unknown>((resolve) => {
      runner.run('u1', 's1', userContent('go')).subscribe({
        next: (event) => events.push(event),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(OutputLimitError.isInstance(error)).toBe(true);
    expect(events).toEqual([]);
    expect(await storedTexts(runner)).toEqual([['user', 'go']]);
    await waitUntilUnmarked(mark);
  });

  it('fails a flooding child with target.error without limits, storing nothing', async ({
    mark,
    markedEnv,
  }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'flood',
        command: [process.execPath, fixture('flood.mjs')],
        env: markedEnv,
        maxOutputChars: 200_000,
      }),
    );
    let partials = 0;
    const error = await new Promise<unknown>((resolve) => {
      runner.run('u1', 's1', userContent('go')).subscribe({
        next: (event) => (partials += event.partial ? 1 : 0),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(TargetError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('the reply passed 200000 characters');
    // 200 deltas of 1000 characters fit; the 201st crosses and is not emitted.
    expect(partials).toBe(200);
    expect(await storedTexts(runner)).toEqual([['user', 'go']]);
    await waitUntilUnmarked(mark);
  });

  it('kills the child when the run is cancelled (unsubscribed)', async ({ markedEnv }) => {
    const runner = runnerFor(
      new ProcessAgent({
        name: 'silent',
        command: [process.execPath, fixture('silent.mjs')],
        env: markedEnv,
      }),
    );
    const pid = await new Promise<number>((resolve, reject) => {
      const subscription = runner.run('u1', 's1', userContent('hi')).subscribe({
        next: (event) => {
          subscription.unsubscribe();
          resolve(Number(/pid=(\d+)/.exec(textOf(event.content))?.[1]));
        },
        error: reject,
      });
    });
    await waitUntilGone(pid);
    // Nothing but the user message was stored.
    expect(await storedTexts(runner)).toEqual([['user', 'hi']]);
  });
});

describe('HttpAgent and WebSocketAgent through the Runner', () => {
  let http: Server;
  let wss: WebSocketServer;
  let httpUrl: string;
  let wsUrl: string;

  beforeAll(async () => {
    http = createServer((request, response) => {
      if (request.url === '/stall') {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(`data: ${JSON.stringify({ text: 'thinking' })}\n\n`);
        return; // and nothing more
      }
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const { input, session } = JSON.parse(body) as { input: string; session: string };
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(`data: ${JSON.stringify({ text: `${session}: ` })}\n\n`);
        response.write(`data: ${JSON.stringify({ text: input })}\n\n`);
        response.end('data: [DONE]\n\n');
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/chat`;
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const { input } = JSON.parse((data as Buffer).toString()) as { input: string };
        socket.send(JSON.stringify({ type: 'delta', delta: input.toUpperCase() }));
        socket.send(JSON.stringify({ type: 'final' }));
      });
    });
  });

  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  it('streams an SSE endpoint and stores the whole text', async () => {
    const agent = new HttpAgent({
      name: 'web',
      url: httpUrl,
      stream: 'sse',
      bodyTemplate: { input: '{{input}}', session: '{{sessionId}}' },
      outputPath: 'text',
    });
    const runner = runnerFor(agent);
    const events = await run(runner, 'hello', 's7');
    expect(events.filter((e) => e.partial)).toHaveLength(2);
    expect(await storedTexts(runner, 's7')).toEqual([
      ['user', 'hello'],
      ['web', 's7: hello'],
    ]);
  });

  it('stops a stalled stream when the maxDurationMs guard trips', async () => {
    const agent = new HttpAgent({
      name: 'web',
      url: httpUrl.replace('/chat', '/stall'),
      stream: 'sse',
      outputPath: 'text',
    });
    const runner = runnerFor(agent, 'sse', { maxDurationMs: 300 });
    const events: Event[] = [];
    const error = await new Promise<unknown>((resolve) => {
      runner.run('u1', 's1', userContent('hi')).subscribe({
        next: (event) => events.push(event),
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    expect(RunTimeoutError.isInstance(error)).toBe(true);
    expect(events.map((e) => [e.partial, textOf(e.content)])).toEqual([[true, 'thinking']]);
    expect(await storedTexts(runner)).toEqual([['user', 'hi']]);
  });

  it('runs turns over one WebSocket connection', async () => {
    await using agent = new WebSocketAgent({ name: 'socket', url: wsUrl });
    const runner = runnerFor(agent, 'none');
    await run(runner, 'first');
    const events = await run(runner, 'second');
    expect(events.map((e) => textOf(e.content))).toEqual(['SECOND']);
    expect(agent.connections).toBe(1);
    expect((await storedTexts(runner)).map(([, text]) => text)).toEqual([
      'first',
      'FIRST',
      'second',
      'SECOND',
    ]);
  });
});
