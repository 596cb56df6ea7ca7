import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startPrivatePostgres, type PrivatePostgres } from '@ferrite/session/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// apps/server on a PostgreSQL of the test's own, which is restarted and stopped while runs
// stream over HTTP: the server process must survive every round, every stream must end with a
// stored event or a typed SSE error frame, /health must answer throughout, and runs must work
// again once the database is back.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'apps/server/src/main.ts');
const CLIENTS = 6;
const ROUNDS = 6;

/** Every variable the server reads, blanked, so the developer's environment cannot leak in. */
const BLANK = Object.fromEntries(
  [
    'HOST',
    'APP_NAME',
    'DATABASE_SCHEMA',
    'S3_BUCKET',
    'S3_ENDPOINT',
    'QDRANT_URL',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'OPENAI_MODEL',
    'OPENAI_EMBEDDING_MODEL',
    'AUTH_TOKEN',
    'CORS_ORIGINS',
  ].map((name) => [name, '']),
);

let cluster: PrivatePostgres;
let artifacts: string;
let server: ChildProcessWithoutNullStreams;
let baseUrl: string;
let output = '';
let exitCode: number | null | undefined;

beforeAll(async () => {
  cluster = await startPrivatePostgres();
  artifacts = mkdtempSync(join(tmpdir(), 'ferrite-outage-'));
  server = spawn(process.execPath, ['--import', 'tsx', '--conditions=@ferrite/source', MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...BLANK,
      PORT: '0',
      DATABASE_URL: cluster.url,
      ARTIFACTS_DIR: artifacts,
      SHUTDOWN_GRACE_MS: '0',
    },
  });
  server.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  server.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  server.on('exit', (code) => (exitCode = code));
  for (let i = 0; i < 1_500 && !baseUrl; i++) {
    const match = /listening on (http:\/\/\S+)/.exec(output);
    if (match?.[1]) baseUrl = match[1];
    else if (exitCode !== undefined) break;
    else await delay(20);
  }
  if (!baseUrl) throw new Error(`the server did not start:\n${output}`);
}, 60_000);

afterAll(async () => {
  if (server && exitCode === undefined) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }
  await cluster?.destroy();
  if (artifacts) rmSync(artifacts, { recursive: true, force: true });
});

type Outcome = { kind: 'event' } | { kind: 'error'; code: unknown; message: unknown };

/** The body of a run request of the quickstart app. */
function runRequest(sessionId: string): Record<string, unknown> {
  return {
    appName: 'quickstart',
    userId: 'u1',
    sessionId,
    newMessage: { role: 'user', parts: [{ text: 'hello' }] },
  };
}

/** One POST /run_sse read to its end; what its last data frame was. */
async function streamRun(sessionId: string): Promise<Outcome> {
  const response = await fetch(`${baseUrl}/run_sse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...runRequest(sessionId), streaming: true }),
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await response.text();
  const frames = text
    .split('\n\n')
    .flatMap((frame) => frame.split('\n').filter((line) => line.startsWith('data: ')))
    .map((line) => JSON.parse(line.slice('data: '.length)) as Record<string, unknown>);
  const last = frames.at(-1);
  if (last === undefined)
    throw new Error(`a stream ended without any frame: ${JSON.stringify(text)}`);
  if ('error' in last && !('author' in last)) {
    return { kind: 'error', code: last.code, message: last.error };
  }
  if (typeof last.id !== 'string' || typeof last.author !== 'string' || last.partial === true) {
    throw new Error(
      `a stream ended on neither a stored event nor an error: ${JSON.stringify(last)}`,
    );
  }
  return { kind: 'event' };
}

interface Load {
  events: number;
  errors: Extract<Outcome, { kind: 'error' }>[];
  /** Requests that failed at the HTTP level or streams cut short: none may happen. */
  broken: string[];
  stop(): Promise<void>;
}

/** `CLIENTS` loops streaming runs, each on its own session, until stopped. */
function startLoad(round: number): Load {
  let running = true;
  const load: Load = {
    events: 0,
    errors: [],
    broken: [],
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
  const loops = Array.from({ length: CLIENTS }, async (_, client) => {
    while (running) {
      let outcome: Outcome;
      try {
        outcome = await streamRun(`r${round}_c${client}`);
      } catch (error) {
        load.broken.push(String(error));
        await delay(10);
        continue;
      }
      if (outcome.kind === 'event') load.events++;
      else {
        load.errors.push(outcome);
        await delay(10);
      }
    }
  });
  return load;
}

/** Polls /health until stopped; every answer must be 200 `{ status: 'ok' }`. */
function watchHealth(): { answers: number; failures: string[]; stop(): Promise<void> } {
  let running = true;
  const watch = {
    answers: 0,
    failures: [] as string[],
    stop: async () => {
      running = false;
      await loop;
    },
  };
  const loop = (async () => {
    while (running) {
      try {
        const response = await fetch(`${baseUrl}/health`);
        const body = await response.text();
        if (response.status === 200 && (JSON.parse(body) as { status?: unknown }).status === 'ok')
          watch.answers++;
        else watch.failures.push(`${response.status} ${body}`);
      } catch (error) {
        watch.failures.push(String(error));
      }
      await delay(25);
    }
  })();
  return watch;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_500 && !condition(); i++) await delay(10);
  if (!condition()) throw new Error(`timed out waiting for ${what}\n${output}`);
}

describe('apps/server while its PostgreSQL restarts and stops', () => {
  it('survives every round, ends every stream with a stored event or a typed error frame, answers /health, and runs again', async () => {
    const health = watchHealth();
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const load = startLoad(round);
        await waitFor(() => load.events >= CLIENTS, 'runs before the outage');
        const answered = health.answers;
        if (round % 2 === 0) {
          await cluster.restart();
        } else {
          await cluster.stopServer();
          const before = load.errors.length;
          await waitFor(() => load.errors.length >= before + CLIENTS, 'failed runs while down');
          // Without streaming, a run while the database is down is answered 503: retry later.
          const down = await fetch(`${baseUrl}/run`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(runRequest(`r${round}_plain`)),
          });
          expect(down.status).toBe(503);
          expect(await down.json()).toEqual({ error: 'service unavailable', code: 'unavailable' });
          await cluster.startServer();
        }
        await load.stop();
        expect(exitCode, output).toBeUndefined();
        expect(load.broken).toEqual([]);
        expect(health.failures).toEqual([]);
        expect(health.answers).toBeGreaterThan(answered);
        if (round % 2 === 1) expect(load.errors.length).toBeGreaterThan(0);
        for (const error of load.errors) {
          // An outage is `unavailable` (a client may retry); driver details and the database's
          // address stay in the server's log, the client gets the typed frame.
          expect(error).toEqual({
            kind: 'error',
            code: 'unavailable',
            message: 'service unavailable',
          });
        }

        // The database is back: every client's runs work again.
        const after = startLoad(round);
        await waitFor(() => after.events >= 2 * CLIENTS, 'runs after the outage');
        await after.stop();
        expect(after.broken).toEqual([]);
        expect(after.errors).toEqual([]);
      }
    } finally {
      await health.stop();
    }
    expect(exitCode, output).toBeUndefined();
  }, 120_000);
});
