import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Event, Session } from '@ferrite/core';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const STAND_IN = fileURLToPath(
  new URL('../../../test/src/qdrant/qdrant-stand-in.ts', import.meta.url),
);
const DATABASE_URL =
  process.env.FERRITE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

const started: Started[] = [];
afterEach(() => {
  for (const { child } of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Every variable the server reads, blanked, so a developer's environment cannot leak in. */
const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'APP_NAME',
  'DATABASE_URL',
  'DATABASE_SCHEMA',
  'S3_BUCKET',
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_PREFIX',
  'S3_VERSION_ALLOCATION',
  'ARTIFACTS_DIR',
  'QDRANT_URL',
  'QDRANT_API_KEY',
  'QDRANT_COLLECTION',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_MODEL',
  'OPENAI_EMBEDDING_MODEL',
  'AUTH_TOKEN',
  'AUTH_TOKEN_USER',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_JWT_ISSUER',
  'AUTH_JWT_AUDIENCE',
  'AUTH_JWT_ALGORITHMS',
  'ALLOWED_HOSTS',
  'CORS_ORIGINS',
  'DEV_UI',
  'DEV_UI_DIR',
  'SHUTDOWN_GRACE_MS',
];

function serverEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const blank = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '']));
  return { ...process.env, ...blank, PORT: '0', ...env };
}

async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ferrite/source', MAIN], {
    cwd: ROOT,
    env: serverEnv(env),
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const until = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    if (child.exitCode !== null || Date.now() > until)
      throw new Error(`server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const result = { child, url, output: () => output, exited };
  started.push(result);
  return result;
}

function run(
  url: string,
  sessionId: string,
  text: string,
  streaming = false,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/${streaming ? 'run_sse' : 'run'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({
      appName: 'quickstart',
      userId: 'u1',
      sessionId,
      newMessage: { role: 'user', parts: [{ text }] },
      streaming,
    }),
  });
}

describe('apps/server', () => {
  it('serves the desk on PostgreSQL, drains a run on SIGTERM, and keeps the sessions', async () => {
    const schema = `server_app_${Date.now().toString(36)}`;
    const artifacts = mkdtempSync(join(tmpdir(), 'server-app-'));
    const env = { DATABASE_URL, DATABASE_SCHEMA: schema, ARTIFACTS_DIR: artifacts };
    try {
      const first = await start(env);
      expect(first.output()).toContain('sessions: PostgreSQL');
      expect(await (await fetch(`${first.url}/health`)).json()).toEqual({ status: 'ok' });
      const events = (await (
        await run(first.url, 's1', 'remember to renew the passport')
      ).json()) as Event[];
      expect(events.some((e) => e.actions.transferToAgent === 'notes_clerk')).toBe(true);

      // SIGTERM while a streamed run is in progress: the run finishes within the grace period.
      const streaming = await run(first.url, 's2', 'convert 25 C to F', true);
      const reader = (streaming.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      first.child.kill('SIGTERM');
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toContain('25 C is 77 F.');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('stopped');

      const second = await start(env);
      const session = (await (
        await fetch(`${second.url}/apps/quickstart/users/u1/sessions/s1`)
      ).json()) as Session;
      expect(session.events.length).toBeGreaterThanOrEqual(4);
      expect(session.state['user:notes']).toEqual(['renew the passport']);
      const listed = (await (
        await fetch(`${second.url}/apps/quickstart/users/u1/sessions/s1/artifacts`)
      ).json()) as string[];
      expect(listed).toEqual(['notes.md']);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(artifacts, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    }
  }, 90_000);

  it('stores artifacts in an S3-compatible bucket when S3_* are set', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'server-app-s3-'));
    const S3rver = createRequire(import.meta.url)('s3rver') as new (
      options: Record<string, unknown>,
    ) => {
      run(): Promise<{ port: number }>;
      close(): Promise<void>;
    };
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: 'desk-artifacts' }],
    });
    const { port } = await s3.run();
    try {
      const server = await start({
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_BUCKET: 'desk-artifacts',
        S3_REGION: 'us-east-1',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
        S3_PREFIX: 'desk/',
      });
      expect(server.output()).toContain('artifacts: S3 bucket desk-artifacts');
      expect(server.output()).not.toContain('S3RVER');
      await run(server.url, 's1', 'remember the S3 test');
      const base = `${server.url}/apps/quickstart/users/u1/sessions/s1/artifacts`;
      expect(await (await fetch(base)).json()).toEqual(['notes.md']);
      const part = (await (await fetch(`${base}/notes.md`)).json()) as { text?: string };
      expect(part.text).toContain('- the S3 test');
      const stored = readdirSync(join(directory, 'desk-artifacts'), { recursive: true }).map(
        String,
      );
      expect(
        stored.some((path) => path.startsWith(join('desk', 'quickstart', 'u1', 's1', 'notes.md'))),
      ).toBe(true);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await s3.close();
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);

  it('remembers runs in Qdrant when QDRANT_URL is set, and asks for AUTH_TOKEN', async () => {
    // The Qdrant stand-in of the test tree, as its own process (no Qdrant server can be
    // installed here; see test/src/qdrant/qdrant-stand-in.ts).
    const qdrant = spawn(process.execPath, ['--import', 'tsx', STAND_IN], { cwd: ROOT });
    const artifacts = mkdtempSync(join(tmpdir(), 'server-app-qdrant-'));
    const qdrantExited = new Promise<number | null>((resolve) => qdrant.on('exit', resolve));
    try {
      const qdrantUrl = await new Promise<string>((resolve, reject) => {
        let out = '';
        qdrant.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          const url = /http:\/\/\S+/.exec(out)?.[0];
          if (url) resolve(url);
        });
        qdrant.on('exit', () => reject(new Error(`the Qdrant stand-in exited: ${out}`)));
      });
      const server = await start({
        QDRANT_URL: qdrantUrl,
        QDRANT_COLLECTION: 'desk_memory',
        AUTH_TOKEN: 'let-me-in',
        ARTIFACTS_DIR: artifacts,
      });
      expect(server.output()).toContain('memory: Qdrant desk_memory (hashing embeddings)');
      expect(server.output()).toContain('auth: bearer token');
      expect(server.output()).not.toContain('let-me-in');

      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      const refused = await run(server.url, 's1', 'remember to renew the passport');
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ code: 'unauthorized' });
      const ran = await run(server.url, 's1', 'remember to renew the passport', false, {
        authorization: 'Bearer let-me-in',
      });
      expect(ran.status).toBe(200);

      const scrolled = (await (
        await fetch(`${qdrantUrl}/collections/desk_memory/points/scroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ limit: 100, with_payload: true }),
        })
      ).json()) as { result: { points: { payload: { userId: string; text: string } }[] } };
      const texts = scrolled.result.points.map((point) => point.payload.text);
      expect(texts).toContain('remember to renew the passport');
      expect(scrolled.result.points.every((point) => point.payload.userId === 'u1')).toBe(true);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      qdrant.kill('SIGTERM');
      await qdrantExited;
      rmSync(artifacts, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a bad configuration with exit code 2', async () => {
    for (const [env, message] of [
      [{ PORT: 'eighty' }, 'PORT must be an integer'],
      [{ OPENAI_BASE_URL: 'localhost:11434' }, 'OPENAI_BASE_URL must be an http(s) URL'],
    ] as const) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--conditions=@ferrite/source', MAIN],
        { cwd: ROOT, env: serverEnv(env) },
      );
      let output = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code, output).toBe(2);
      expect(output).toContain(`configuration error: ${message}`);
    }
  });
});
