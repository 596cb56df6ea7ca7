import { describe, it, expect } from 'vitest';
import type { FerriteError } from '@ferrite/core';
import { createHandler } from './create-handler.js';
import { serve } from '../node/serve.js';
import { echoAgent, makeRunner } from '../testing/server-fixtures.js';

describe('GET /ready', () => {
  it('answers 200 while every check passes and 503 naming the one that fails, without auth', async () => {
    let sessionsUp = true;
    const failures: FerriteError[] = [];
    const handler = createHandler({
      apps: makeRunner(echoAgent()),
      authorize: () => false,
      onError: (error) => failures.push(error),
      readiness: {
        checks: {
          sessions: async () => {
            if (!sessionsUp) throw new Error('connection refused by db.internal');
          },
          artifacts: async () => undefined,
        },
      },
    });
    await using server = await serve({ handler, port: 0 });

    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { sessions: 'ok', artifacts: 'ok' },
    });
    // Every other route still asks authorize.
    expect((await fetch(`${server.url}/list-apps`)).status).toBe(403);

    sessionsUp = false;
    const down = await fetch(`${server.url}/ready`);
    expect(down.status).toBe(503);
    const body = await down.text();
    expect(JSON.parse(body)).toEqual({
      status: 'unavailable',
      checks: { sessions: 'failed', artifacts: 'ok' },
    });
    // The public answer keeps the failure's details to the server's log.
    expect(body).not.toContain('db.internal');
    expect(failures.map((error) => error.cause ?? error).map(String)).toEqual([
      expect.stringContaining('db.internal'),
    ]);

    sessionsUp = true;
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });

  it('counts a check that does not answer within timeoutMs as failed', async () => {
    const handler = createHandler({
      apps: makeRunner(echoAgent()),
      onError: () => undefined,
      readiness: {
        checks: {
          // Never settles on its own; it ends when the route aborts it.
          memory: (signal) =>
            new Promise((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(new Error('aborted'))),
            ),
        },
        timeoutMs: 50,
      },
    });
    await using server = await serve({ handler, port: 0 });
    const response = await fetch(`${server.url}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { memory: 'failed' } });
  });

  it('answers 503 once the handler is shutting down, while /health stays 200', async () => {
    const handler = createHandler({ apps: makeRunner(echoAgent()) });
    await using server = await serve({ handler, port: 0 });
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await handler.close({ graceMs: 0 });
    const response = await fetch(`${server.url}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unavailable', reason: 'shutting down' });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('refuses a check that is not a function', () => {
    expect(() =>
      createHandler({
        apps: makeRunner(echoAgent()),
        readiness: { checks: { sessions: 'yes' as never } },
      }),
    ).toThrow(/readiness\.checks\.sessions must be a function/);
  });
});
