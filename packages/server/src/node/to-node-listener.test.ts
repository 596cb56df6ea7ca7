import { describe, it, expect, vi } from 'vitest';
import { connect } from 'node:net';
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
});
