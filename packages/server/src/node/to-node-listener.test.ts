import { describe, it, expect, vi } from 'vitest';
import { connect } from 'node:net';
import { createHandler } from '../handler/create-handler.js';
import { echoAgent, makeRunner, startServer } from '../testing/server-fixtures.js';
import { serve } from './serve.js';

/** Sends raw bytes (requests `fetch` cannot make) and resolves with all the server answers. */
function rawExchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.end(data);
  });
}

/**
 * Sends a request head and a whole body over a raw socket, then reads, and resolves with what
 * the server answered once one complete response (by length or last chunk) has arrived, or
 * the connection ended.
 */
function sendWholeBody(
  port: number,
  head: string,
  body: Buffer,
): Promise<{ received: string; error: string | undefined }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let error: string | undefined;
    const finish = (): void => {
      socket.destroy();
      resolve({ received, error });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const split = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      const whole =
        length !== undefined
          ? split >= 0 && received.length >= split + 4 + Number(length)
          : received.endsWith('\r\n0\r\n\r\n');
      if (whole) finish();
    });
    socket.on(
      'error',
      (failure: NodeJS.ErrnoException) => (error = failure.code ?? failure.message),
    );
    socket.on('close', finish);
    // As many clients do, read the answer only once the whole body is sent (or sending failed).
    socket.pause();
    socket.write(head);
    socket.write(body, (failure) => {
      if (failure) error = (failure as NodeJS.ErrnoException).code ?? failure.message;
      socket.resume();
    });
  });
}

describe('toNodeListener', () => {
  it('answers requests the Fetch API cannot represent and keeps serving', async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent()) });
    // `new Request` refuses TRACE and a URL cannot be made from this Host: neither may escape
    // the listener as an uncaught exception (which would end the process).
    const trace = await rawExchange(server.port, 'TRACE /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(trace).toMatch(/^HTTP\/1\.1 501 /);
    expect(trace).toContain('"code":"not_implemented"');
    const badHost = await rawExchange(server.port, 'GET /health HTTP/1.1\r\nHost: [::1\r\n\r\n');
    expect(badHost).toMatch(/^HTTP\/1\.1 400 /);
    expect(badHost).toContain('"code":"invalid_argument"');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('cuts a streamed body that fails midway instead of appending an error to it', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new Error('source failed'));
          sent = true;
          controller.enqueue(new TextEncoder().encode('data: 1\n\n'));
        },
      });
      await using server = await serve({
        handler: async () =>
          new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
        port: 0,
      });
      const response = await fetch(`${server.url}/`);
      expect(response.status).toBe(200);
      await expect(response.text()).rejects.toThrow();
      expect(logged).toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('answers a body over the limit with 413 that the client reads, never a reset', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner });
    const body = Buffer.alloc(5 * 1024 * 1024, 'x');
    const head =
      'POST /run HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
      `content-length: ${body.length}\r\n\r\n`;
    for (let round = 0; round < 8; round++) {
      const { received, error } = await sendWholeBody(server.port, head, body);
      expect(received, `round ${round} (socket error: ${String(error)})`).toMatch(
        /^HTTP\/1\.1 413 /,
      );
      expect(received).toContain('"code":"request.too_large"');
      // The whole body went out: no EPIPE or reset under a client that is still sending.
      expect(error, `round ${round}`).toBeUndefined();
    }
    // The body was drained, so the same connection serves the next request.
    const reused = await rawExchange(
      server.port,
      `${head}${body.toString()}GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(reused).toMatch(/^HTTP\/1\.1 413 [\s\S]*HTTP\/1\.1 200 [\s\S]*"status":"ok"/);
    // And nothing ran.
    expect(await runner.sessionService.listSessions({ appName: 'app', userId: 'u' })).toMatchObject(
      { sessions: [] },
    );
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('closes the connection of a body longer than it drains, after answering', async () => {
    await using server = await serve({
      handler: createHandler({ apps: makeRunner(echoAgent()), bodyLimit: 1024 }),
      port: 0,
      maxDrainBytes: 256 * 1024,
    });
    // Declares 64 MiB and keeps sending: the server answers, drains 256 KiB, then hangs up
    // rather than reading for ever.
    const socket = connect(server.port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      'POST /run HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `content-length: ${64 * 1024 * 1024}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = (): void => {
      while (!socket.destroyed && sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
    };
    pump();
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});
