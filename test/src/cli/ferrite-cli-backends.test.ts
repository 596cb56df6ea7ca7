import pg from 'pg';
import { startPrivatePostgres } from '@ferrite/session/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '@ferrite/core';
import { buildCli, CALCULATOR_TS, makeProject, startCli } from './cli-process.js';

const DATABASE_URL =
  process.env.FERRITE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.FERRITE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

beforeAll(buildCli, 300_000);

describe('ferrite serve /ready', () => {
  it('answers 503 while its PostgreSQL is stopped and 200 once it is back, /health 200 throughout', async () => {
    await using cluster = await startPrivatePostgres();
    using project = makeProject({ 'agent.ts': CALCULATOR_TS });
    await using cli = startCli(
      ['serve', 'agent.ts', '--port', '0', '--sessions', cluster.url, '--check-timeout-ms', '3000'],
      project.dir,
      { FERRITE_ARTIFACTS: 'memory:' },
    );
    const url = (await cli.waitFor(/listening on (http:\/\/\S+)\napp: .*\n/))[1]!;
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    await cluster.stopServer();
    const down = await fetch(`${url}/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', checks: { sessions: 'failed' } });
    expect((await fetch(`${url}/health`)).status).toBe(200);

    await cluster.startServer();
    // The pool drops the connections the stop broke and opens new ones.
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await fetch(`${url}/ready`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  }, 120_000);
});

describe('ferrite serve --redis with ferrite worker', () => {
  it('queues runs on Redis for a worker process, which runs them on the shared PostgreSQL', async () => {
    using project = makeProject({ 'agent.ts': CALCULATOR_TS });
    const schema = `cli_queue_${Date.now().toString(36)}`;
    const prefix = `ferrite-cli-test-${Date.now().toString(36)}:`;
    const shared = {
      FERRITE_SESSIONS: DATABASE_URL,
      FERRITE_SESSIONS_SCHEMA: schema,
      FERRITE_ARTIFACTS: 'memory:',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    };
    try {
      await using worker = startCli(['worker', 'agent.ts'], project.dir, shared);
      await worker.waitFor(/ferrite worker ready \(app: calculator; concurrency \d+\)/);
      await using server = startCli(['serve', 'agent.ts', '--port', '0'], project.dir, shared);
      const url = (await server.waitFor(/listening on (http:\/\/\S+)\napp: .*\n/))[1]!;
      expect(server.output()).toContain('runs: queued on Redis');
      const ready = await fetch(`${url}/ready`);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { sessions: 'ok', redis: 'ok' },
      });

      const response = await fetch(`${url}/run_sse`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          appName: 'calculator',
          userId: 'u1',
          sessionId: 's1',
          newMessage: { role: 'user', parts: [{ text: 'add 20 and 22' }] },
          streaming: true,
        }),
      });
      const text = await response.text();
      const events = text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => JSON.parse(line.slice(6)) as Event);
      expect(events.at(-1)?.content?.parts[0]?.text).toBe('the sum is 42');

      server.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(await worker.exited).toBe(0);
      expect(worker.stdout()).toContain('stopped');
    } finally {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    }
  }, 120_000);
});
