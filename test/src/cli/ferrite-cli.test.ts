import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, Session } from '@ferrite/core';
import {
  buildCli,
  CALCULATOR_TS,
  TWO_APPS_MJS,
  makeProject,
  runCli,
  startCli,
} from './cli-process.js';

const DATABASE_URL =
  process.env.FERRITE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const schemas: string[] = [];
function uniqueSchema(): string {
  const schema = `cli_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  schemas.push(schema);
  return schema;
}

beforeAll(buildCli, 300_000);

afterAll(async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
});

function runBody(
  appName: string,
  sessionId: string,
  text: string,
  streaming: boolean,
): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      appName,
      userId: 'u1',
      sessionId,
      newMessage: { role: 'user', parts: [{ text }] },
      streaming,
    }),
  };
}

/** The `data:` payloads of an SSE body. */
function frames(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
}

describe('ferrite serve', () => {
  it('serves a TypeScript agent module on PostgreSQL and finishes a run in progress on SIGTERM', async () => {
    using project = makeProject({ 'agent.ts': CALCULATOR_TS });
    const schema = uniqueSchema();
    await using cli = startCli(
      ['serve', './agent.ts', '--port', '0', '--sessions', DATABASE_URL, '--artifacts', 'memory:'],
      project.dir,
      { FERRITE_SESSIONS_SCHEMA: schema, WORD_DELAY_MS: '150' },
    );
    const url = (await cli.waitFor(/listening on (http:\/\/\S+)\napp: .*\n/))[1]!;
    expect(cli.output()).toContain('app: calculator; sessions: PostgreSQL; artifacts: in memory');
    expect(cli.output()).not.toContain('postgres://');

    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { sessions: 'ok' } });

    const created = await fetch(`${url}/apps/calculator/users/u1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: 's1' }),
    });
    expect(created.status).toBe(200);

    // SIGTERM once the tool has answered and the words are streaming: the run finishes.
    const streamed = await fetch(
      `${url}/run_sse`,
      runBody('calculator', 's1', 'add 4 and 5', true),
    );
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (streamed.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"functionResponse"')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    cli.child.kill('SIGTERM');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const events = frames(text) as unknown as Event[];
    expect(events.at(-1)?.content?.parts[0]?.text).toBe('the sum is 9');
    expect(events.some((event) => event.partial === true)).toBe(true);
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(/SIGTERM: stopping \(1 run\(s\) in progress, grace 10000 ms\)/);
    expect(cli.stdout()).toContain('stopped');

    // The turn is in PostgreSQL: user message, call, response, answer.
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>(
        `SELECT count(*) FROM "${schema}".events`,
      );
      expect(Number(rows[0]!.count)).toBe(4);
    } finally {
      await client.end();
    }
  }, 90_000);

  it('cancels a run that outlasts --grace-ms, typed, and still exits 0', async () => {
    using project = makeProject({ 'agent.ts': CALCULATOR_TS });
    await using cli = startCli(
      ['serve', 'agent.ts', '--port', '0', '--grace-ms', '200', '--artifacts', 'memory:'],
      project.dir,
      { WORD_DELAY_MS: '5000' },
    );
    const url = (await cli.waitFor(/listening on (http:\/\/\S+)\napp: .*\n/))[1]!;
    const streamed = await fetch(
      `${url}/run_sse`,
      runBody('calculator', 's1', 'add 1 and 2', true),
    );
    const reader = (streamed.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"functionResponse"')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    cli.child.kill('SIGTERM');
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(frames(text).at(-1)).toMatchObject({ code: 'unavailable' });
    expect(await cli.exited).toBe(0);
  }, 60_000);

  it('serves the apps a JavaScript module exports, without tsx', async () => {
    using project = makeProject({ 'apps.mjs': TWO_APPS_MJS });
    const artifacts = mkdtempSync(join(tmpdir(), 'ferrite-cli-files-'));
    try {
      await using cli = startCli(['serve', 'apps.mjs'], project.dir, {
        PORT: '0',
        FERRITE_ARTIFACTS: `file:${artifacts}`,
      });
      const url = (await cli.waitFor(/listening on (http:\/\/\S+)\napp: .*\n/))[1]!;
      expect(cli.output()).toContain(
        `app: alpha, beta; sessions: in memory; artifacts: files under ${artifacts}`,
      );
      expect(await (await fetch(`${url}/list-apps`)).json()).toEqual(['alpha', 'beta']);
      const ran = await fetch(`${url}/run`, runBody('beta', 's1', 'hello', false));
      expect(ran.status).toBe(200);
      const events = (await ran.json()) as Event[];
      expect(events.at(-1)?.content?.parts[0]?.text).toBe('beta: hello');
      const session = (await (
        await fetch(`${url}/apps/beta/users/u1/sessions/s1`)
      ).json()) as Session;
      expect(session.events.map((event) => event.author)).toEqual(['user', 'beta_agent']);
      // tsx's loader is registered only for TypeScript modules.
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
    } finally {
      rmSync(artifacts, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('ferrite chat', () => {
  it('answers a message read from stdin and exits 0 at the end of input', async () => {
    using project = makeProject({ 'agent.ts': CALCULATOR_TS });
    const { code, stdout, stderr } = await runCli(
      ['chat', './agent.ts', '--artifacts', 'memory:', '--user', 'alice'],
      project.dir,
      {},
      'add 2 and 3\n',
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toContain("Ferrite chat — app 'calculator', agent 'calculator'");
    expect(stdout).toContain('→ add({"a":2,"b":3})');
    expect(stdout).toContain('[calculator] the sum is 5');
  }, 60_000);
});

describe('bad settings', () => {
  it('exit with code 2 and name the setting', async () => {
    using project = makeProject({
      'agent.ts': CALCULATOR_TS,
      'empty.mjs': 'export const x = 1;\n',
    });
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        ['serve', 'agent.ts', '--sessions', 'mysql://db/app'],
        {},
        /--sessions must be memory: or a postgres:\/\/ URL, got a mysql: URL/,
      ],
      [
        ['serve', 'agent.ts'],
        { FERRITE_ARTIFACTS: 'ftp://files/x' },
        /FERRITE_ARTIFACTS must be file:<dir>, memory: or s3:\/\/bucket\/prefix/,
      ],
      [
        ['serve', 'agent.ts', '--memory', 'qdrant://localhost:6333'],
        {},
        /--memory must name one collection/,
      ],
      [
        ['serve', 'agent.ts'],
        { PORT: 'eighty' },
        /configuration error: PORT must be an integer from 0 to 65535, got 'eighty'/,
      ],
      [['serve', 'agent.ts', '--sesions', 'memory:'], {}, /Unknown option '--sesions'/],
      [
        ['serve', 'agent.ts'],
        { AUTH_TOKEN_USER: 'alice' },
        /AUTH_TOKEN_USER is set but AUTH_TOKEN is not/,
      ],
      [
        ['serve', 'agent.ts', '--redis', 'redis://127.0.0.1:6379'],
        {},
        /--redis needs sessions every process shares/,
      ],
      [
        ['worker', 'agent.ts'],
        {},
        /--redis \(FERRITE_REDIS or REDIS_URL\) is required by `ferrite worker`/,
      ],
      [['serve', 'empty.mjs'], {}, /empty\.mjs exports no agent/],
      [['serve', 'missing.ts'], {}, /module missing\.ts does not exist/],
      [['launch', 'agent.ts'], {}, /unknown command 'launch'/],
    ];
    for (const [args, env, message] of cases) {
      const { code, stdout, stderr } = await runCli(args, project.dir, env);
      expect(code, `${args.join(' ')}\n${stderr}`).toBe(2);
      expect(stderr).toMatch(message);
      expect(stdout).not.toContain('listening on');
    }
  }, 120_000);

  it('exit with code 2 when a backend fails its start-up check, naming the setting', async () => {
    using project = makeProject({ 'agent.ts': CALCULATOR_TS });
    const directory = mkdtempSync(join(tmpdir(), 'ferrite-cli-s3-'));
    const S3rver = createRequire(import.meta.url)('s3rver') as new (
      options: Record<string, unknown>,
    ) => { run(): Promise<{ port: number }>; close(): Promise<void> };
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: 'present' }],
    });
    const { port } = await s3.run();
    try {
      // Nothing listens on port 1: the database cannot be reached.
      const database = await runCli(
        ['serve', 'agent.ts', '--sessions', 'postgres://postgres:hunter2@127.0.0.1:1/test'],
        project.dir,
      );
      expect(database.code).toBe(2);
      expect(database.stderr).toMatch(/^start-up check failed: .*\(setting: --sessions\)$/m);
      expect(database.stderr).not.toContain('hunter2');

      const s3Env = {
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
      };
      const bucket = await runCli(
        ['serve', 'agent.ts', '--artifacts', 's3://no-such-bucket/desk'],
        project.dir,
        s3Env,
      );
      expect(bucket.code).toBe(2);
      expect(bucket.stderr).toContain(
        'start-up check failed: S3 bucket "no-such-bucket" does not exist',
      );
      expect(bucket.stderr).toContain('(setting: --artifacts)');
      expect(bucket.stderr).not.toContain('S3RVER');

      // The same through the older variables: the setting named is S3_BUCKET.
      const legacy = await runCli(['serve', 'agent.ts'], project.dir, {
        ...s3Env,
        S3_BUCKET: 'no-such-bucket',
      });
      expect(legacy.code).toBe(2);
      expect(legacy.stderr).toContain('(setting: S3_BUCKET)');

      // And a present bucket passes the check.
      await using served = startCli(
        ['serve', 'agent.ts', '--port', '0', '--artifacts', 's3://present/desk/'],
        project.dir,
        s3Env,
      );
      await served.waitFor(/\napp: .*\n/);
      expect(served.output()).toContain('artifacts: S3 bucket present (version allocation auto)');
      served.child.kill('SIGTERM');
      const servedCode = await served.exited;
      expect(servedCode, `${String(served.child.signalCode)} ${served.output()}`).toBe(0);
    } finally {
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('ferrite --help', () => {
  it('lists the commands, and each command its flags with their variables', async () => {
    using project = makeProject({});
    const top = await runCli(['--help'], project.dir);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/serve\s+serve the HTTP API/);
    expect(top.stdout).toMatch(/worker\s+run the runs/);
    const serve = await runCli(['serve', '--help'], project.dir);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/--sessions\s+session store: memory: \(default\) or postgres:/);
    expect(serve.stdout).toContain('env: FERRITE_SESSIONS, DATABASE_URL');
    expect(serve.stdout).toContain('--grace-ms');
    const chat = await runCli(['chat', '--help'], project.dir);
    expect(chat.stdout).not.toContain('--port');
  }, 60_000);
});
