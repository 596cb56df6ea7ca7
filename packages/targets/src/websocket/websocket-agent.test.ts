import type { AddressInfo } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TargetError, textOf, type Event } from '@ferrite/core';
import { fakeContext } from '../testing/fake-context.js';
import { WebSocketAgent } from './websocket-agent.js';

let server: WebSocketServer;
let url: string;
let opened = 0;
const sockets = new Set<WebSocket>();

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent`;
  server.on('connection', (socket, request) => {
    opened += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const token = request.headers['x-token'];
    socket.send(JSON.stringify({ type: 'welcome' })); // not part of the protocol: ignored
    socket.on('message', (data) => {
      const message = JSON.parse((data as Buffer).toString()) as {
        input: string;
        context: { sessionId: string };
      };
      const send = (value: unknown): void => socket.send(JSON.stringify(value));
      switch (message.input) {
        case 'drop':
          send({ type: 'delta', delta: 'about to drop' });
          setTimeout(() => socket.terminate(), 20);
          return;
        case 'fail':
          return send({ type: 'error', error: 'no such tool', code: 'TOOL_MISSING' });
        case 'hang':
          return;
        case 'garbage':
          return socket.send('this is not json');
        case 'huge':
          return send({ type: 'final', output: 'x'.repeat(2 * 1024 * 1024) });
        case 'token':
          return send({ type: 'final', output: String(token) });
        default:
          send({ type: 'delta', delta: 'you said: ' });
          send({ type: 'delta', delta: message.input });
          send({ type: 'final' });
      }
    });
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  opened = 0;
});

function turn(target: WebSocketAgent, text: string): Promise<Event[]> {
  return lastValueFrom(target.run(fakeContext(target, text)).pipe(toArray()));
}

async function failure(target: WebSocketAgent, text: string): Promise<TargetError> {
  const error: unknown = await turn(target, text).catch((e: unknown) => e);
  expect(TargetError.isInstance(error), `expected a TargetError, got ${String(error)}`).toBe(true);
  return error as TargetError;
}

describe('WebSocketAgent', () => {
  it('streams deltas and a final event, reusing one connection across turns', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    for (const word of ['one', 'two', 'three']) {
      const events = await turn(target, word);
      expect(events.map((e) => [e.partial ?? false, textOf(e.content)])).toEqual([
        [true, 'you said: '],
        [true, word],
        [false, `you said: ${word}`],
      ]);
    }
    expect(opened).toBe(1);
    expect(target.connections).toBe(1);
  });

  it('serializes concurrent turns on the one connection', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((word) => turn(target, word)));
    results.forEach((events, i) =>
      expect(textOf(events.at(-1)!.content)).toBe(`you said: ${'abcd'[i]}`),
    );
    expect(opened).toBe(1);
  });

  it('fails the turn in flight when the connection drops, then reconnects', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    await turn(target, 'hello');
    const error = await failure(target, 'drop');
    expect(error.message).toContain('the connection closed (code 1006');
    const events = await turn(target, 'again');
    expect(textOf(events.at(-1)!.content)).toBe('you said: again');
    expect(opened).toBe(2);
  });

  it('reconnects when the connection dropped between turns', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    await turn(target, 'hello');
    // The server goes away; its 'close' comes once the agent has seen the closing handshake.
    await Promise.all(
      [...sockets].map((socket) => {
        const closed = new Promise((resolve) => socket.once('close', resolve));
        socket.close(1001, 'going away');
        return closed;
      }),
    );
    const events = await turn(target, 'again');
    expect(textOf(events.at(-1)!.content)).toBe('you said: again');
    expect(opened).toBe(2);
  });

  it('refuses a message over maxMessageBytes and starts a fresh connection', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    const error = await failure(target, 'huge');
    expect(error.message).toContain('Max payload size exceeded');
    await turn(target, 'fine');
    expect(opened).toBe(2);
  });

  it('fails after a drop when reconnect is off', async () => {
    await using target = new WebSocketAgent({ name: 'live', url, reconnect: false });
    await failure(target, 'drop');
    const error = await failure(target, 'hello');
    expect(error.message).toContain('reconnect is off');
  });

  it('keeps the connection after a reported error', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    const error = await failure(target, 'fail');
    expect(error.targetCode).toBe('TOOL_MISSING');
    await turn(target, 'fine');
    expect(opened).toBe(1);
  });

  it('rejects a non-JSON message and starts a fresh connection next turn', async () => {
    await using target = new WebSocketAgent({ name: 'live', url });
    const error = await failure(target, 'garbage');
    expect(error.message).toContain('is not a JSON message: "this is not json"');
    await turn(target, 'fine');
    expect(opened).toBe(2);
  });

  it('times out and reconnects for the next turn', async () => {
    await using target = new WebSocketAgent({ name: 'live', url, timeoutMs: 2000 });
    const error = await failure(target, 'hang');
    expect(error.message).toContain('timed out after 2000 ms');
    await turn(target, 'fine');
    expect(opened).toBe(2);
  });

  it('sends handshake headers with ${VAR} substituted', async () => {
    process.env.FERRITE_TEST_WS_TOKEN = 'secret-token';
    try {
      await using target = new WebSocketAgent({
        name: 'live',
        url,
        headers: { 'x-token': '${FERRITE_TEST_WS_TOKEN}' },
      });
      const events = await turn(target, 'token');
      expect(textOf(events[0]!.content)).toBe('secret-token');
    } finally {
      delete process.env.FERRITE_TEST_WS_TOKEN;
    }
  });

  it('fails clearly when nothing listens, after the configured tries', async () => {
    const target = new WebSocketAgent({
      name: 'live',
      url: 'ws://127.0.0.1:1/agent',
      reconnect: { attempts: 2, backoffMs: 10 },
    });
    const error = await failure(target, 'hello');
    expect(error.message).toContain('could not connect to ws://127.0.0.1:1/agent');
  });
});
