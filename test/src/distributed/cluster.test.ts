import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '@ferrite/core';
import { PostgresSessionService } from '@ferrite/session/postgres';
import { POSTGRES_URL, dropSchema, randomSchema, requirePostgres } from '@ferrite/session/testing';

// The distributed mode end to end, as separate OS processes on one machine: 3 apps/server nodes
// (REDIS_URL: queued runs) and 2 apps/server workers (worker mode) on one PostgreSQL schema and
// one redis-server of the test's own. 300 runs over 50 sessions go to random nodes with the demo
// model; a third of the clients leave after the first stored event and attach to another node
// with Last-Event-ID; one worker is SIGKILLed mid-run (and replaced); Redis is restarted once.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'apps/server/src/main.ts');
const RUNS = 300;
const SESSIONS = 50;
const CLIENTS = 24;
const KILL_WORKER_AT = 90;
const RESTART_REDIS_AT = 190;
const run = promisify(execFile);

const BLANK = Object.fromEntries(
  [
    'HOST',
    'APP_NAME',
    'S3_BUCKET',
    'S3_ENDPOINT',
    'QDRANT_URL',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'OPENAI_MODEL',
    'OPENAI_EMBEDDING_MODEL',
    'AUTH_TOKEN',
    'CORS_ORIGINS',
    'FERRITE_MODE',
    'DEV_UI',
  ].map((name) => [name, '']),
);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A redis-server of the test's own (nothing saved), which the test restarts empty. */
class OwnRedis {
  readonly port: number;
  #child: ChildProcess | undefined;
  constructor(port: number) {
    this.port = port;
  }
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child.on('error', () => {});
    this.#child = child;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      if ((await this.cli('PING').catch(() => '')) === 'PONG') return;
      await delay(25);
    }
    throw new Error('redis-server did not start');
  }
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', ['-p', String(this.port), ...args]);
    return stdout.trim();
  }
}

interface Node {
  readonly name: string;
  readonly child: ChildProcess;
  url: string;
  output: string;
}

async function startNode(
  name: string,
  env: Record<string, string>,
  worker: boolean,
): Promise<Node> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@ferrite/source', MAIN, ...(worker ? ['worker'] : [])],
    { cwd: ROOT, env: { ...process.env, ...BLANK, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const node: Node = { name, child, url: '', output: '' };
  child.stderr.setEncoding('utf8').on('data', (data: string) => (node.output += data));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      node.output += data;
      const listening = /listening on (http:\/\/\S+)/.exec(node.output);
      if (listening) node.url = listening[1]!;
      if (listening || node.output.includes('worker ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${node.output}`)));
  });
  return node;
}

interface Frame {
  id?: string;
  data: string;
}

/** Reads SSE frames until the stream ends or `stop` says so. */
async function readFrames(response: Response, stop: (frame: Frame) => boolean): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: Frame = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) frame.id = line.slice(4);
        else if (line.startsWith('data: ')) frame.data += line.slice(6);
      }
      if (frame.data !== '' && stop(frame)) return;
    }
  }
}

interface RunRecord {
  sessionId: string;
  invocationId: string | undefined;
  delivered: string[];
  error: string | undefined;
  reattached: boolean;
}

describe('3 server nodes and 2 workers on one PostgreSQL schema and one Redis', () => {
  const schema = randomSchema();
  const keyPrefix = `ferrite-e2e:${randomBytes(3).toString('hex')}:`;
  let redis: OwnRedis;
  let artifacts: string;
  let servers: Node[] = [];
  let workers: Node[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    await requirePostgres();
    const store = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
    await store.migrate();
    await store.close();
    redis = new OwnRedis(await freePort());
    await redis.start();
    artifacts = mkdtempSync(join(tmpdir(), 'ferrite-cluster-'));
    env = {
      PORT: '0',
      DATABASE_URL: POSTGRES_URL,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: keyPrefix,
      ARTIFACTS_DIR: artifacts,
      SHUTDOWN_GRACE_MS: '1000',
      WORKER_LOCK_MS: '1000',
      WORKER_STALLED_CHECK_MS: '500',
      WORKER_CONCURRENCY: '12',
    };
    [servers, workers] = await Promise.all([
      Promise.all([0, 1, 2].map((index) => startNode(`server${index}`, env, false))),
      Promise.all([0, 1].map((index) => startNode(`worker${index}`, env, true))),
    ]);
  }, 90_000);

  afterAll(async () => {
    for (const node of [...servers, ...workers]) node.child.kill('SIGKILL');
    await redis?.stop();
    if (artifacts) rmSync(artifacts, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('completes runs with every event delivered once, fails the rest typed, never interleaves a session, and leaves no lock or job', async () => {
    const records: RunRecord[] = [];
    let completed = 0;
    let killed = false;
    let restarted = false;
    const chaos: Promise<void>[] = [];
    const pick = (except?: string): Node => {
      const choices = servers.filter((node) => node.url !== except);
      return choices[Math.floor(Math.random() * choices.length)]!;
    };

    const oneRun = async (index: number): Promise<void> => {
      const sessionId = `s${index % SESSIONS}`;
      const reattach = index % 3 === 0;
      const record: RunRecord = {
        sessionId,
        invocationId: undefined,
        delivered: [],
        error: undefined,
        reattached: reattach,
      };
      records.push(record);
      const onFrame = (frame: Frame, leaveAfterFirst: boolean): boolean => {
        const data = JSON.parse(frame.data) as Partial<Event> & { code?: string; error?: string };
        if (data.code !== undefined && data.author === undefined) {
          record.error = data.code;
          return true;
        }
        if (frame.id !== undefined) {
          record.delivered.push(frame.id);
          if (leaveAfterFirst) return true;
        }
        return false;
      };
      const first = pick();
      try {
        const controller = new AbortController();
        const response = await fetch(`${first.url}/run_sse`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            appName: 'quickstart',
            userId: 'u1',
            sessionId,
            newMessage: { role: 'user', parts: [{ text: `hello, order ${index}` }] },
            streaming: true,
            ...(reattach ? { detach: true } : {}),
          }),
          signal: controller.signal,
        });
        record.invocationId = response.headers.get('x-ferrite-invocation-id') ?? undefined;
        if (!response.ok) {
          record.error = ((await response.json()) as { code: string }).code;
          return;
        }
        let left = false;
        await readFrames(response, (frame) => {
          const stop = onFrame(frame, reattach);
          if (stop && reattach && record.error === undefined) left = true;
          return stop;
        });
        controller.abort();
        if (left) {
          const other = pick(first.url);
          const attached = await fetch(
            `${other.url}/apps/quickstart/users/u1/sessions/${sessionId}/runs/${record.invocationId}/events`,
            { headers: { 'last-event-id': record.delivered.at(-1)! } },
          );
          if (!attached.ok) {
            const body = (await attached.json()) as { code: string; error: string };
            record.error = body.code;
            if (body.code !== 'run.worker_lost')
              console.log(`attach failed: ${body.code}: ${body.error}`);
            return;
          }
          await readFrames(attached, (frame) => onFrame(frame, false));
        }
      } catch (error) {
        record.error = `fetch: ${(error as Error).message}`;
      }
      if (record.error === undefined) completed += 1;
      if (!killed && completed >= KILL_WORKER_AT) {
        killed = true;
        // One worker dies mid-run without a word; a replacement starts.
        workers[1]!.child.kill('SIGKILL');
        chaos.push(startNode('worker2', env, true).then((node) => void workers.push(node)));
      }
      if (!restarted && completed >= RESTART_REDIS_AT) {
        restarted = true;
        chaos.push(redis.stop().then(() => redis.start()));
      }
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < RUNS) await oneRun(next++);
      }),
    );
    await Promise.all(chaos);

    // Figures.
    const store = new PostgresSessionService({ connectionString: POSTGRES_URL, schema });
    const failures = new Map<string, number>();
    let equal = 0;
    const mismatches: string[] = [];
    const interleaved: string[] = [];
    const sessions = new Map<string, Event[]>();
    for (let index = 0; index < SESSIONS; index += 1) {
      const session = await store.getSession({
        appName: 'quickstart',
        userId: 'u1',
        sessionId: `s${index}`,
      });
      sessions.set(`s${index}`, session?.events ?? []);
    }
    await store.close();
    for (const record of records) {
      if (record.error !== undefined) {
        failures.set(record.error, (failures.get(record.error) ?? 0) + 1);
        continue;
      }
      const stored = sessions
        .get(record.sessionId)!
        .filter((event) => event.invocationId === record.invocationId && event.author !== 'user')
        .map((event) => event.id);
      if (JSON.stringify(stored) === JSON.stringify(record.delivered)) equal += 1;
      else
        mismatches.push(
          `${record.invocationId}${record.reattached ? ' (reattached)' : ''}: delivered ${record.delivered.join(',')}, stored ${stored.join(',')}`,
        );
    }
    for (const [sessionId, events] of sessions) {
      const seen = new Set<string>();
      let current: string | undefined;
      for (const event of events) {
        if (event.invocationId === current) continue;
        if (seen.has(event.invocationId)) interleaved.push(sessionId);
        seen.add(event.invocationId);
        current = event.invocationId;
      }
    }
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const locks = await client.query<{ count: string }>(
      `select count(*) from pg_locks l join pg_stat_activity a using (pid)
       where l.locktype = 'advisory' and a.application_name like $1`,
      [`ferrite-%-${schema}`],
    );
    await client.end();
    const queue = `${keyPrefix}bull:ferrite-runs`;
    const jobs =
      Number(await redis.cli('LLEN', `${queue}:wait`)) +
      Number(await redis.cli('LLEN', `${queue}:active`)) +
      Number(await redis.cli('LLEN', `${queue}:paused`)) +
      Number(await redis.cli('ZCARD', `${queue}:delayed`)) +
      Number(await redis.cli('ZCARD', `${queue}:prioritized`)) +
      Number(await redis.cli('ZCARD', `${queue}:failed`)) +
      Number(await redis.cli('ZCARD', `${queue}:completed`));
    const completedRuns = records.filter((record) => record.error === undefined);
    const reattached = completedRuns.filter((record) => record.reattached).length;
    console.log(
      [
        `runs: ${records.length} (${RUNS} over ${SESSIONS} sessions, 3 nodes, 2 workers)`,
        `completed: ${completedRuns.length} (${reattached} of them reattached on another node)`,
        `failed: ${records.length - completedRuns.length} ${JSON.stringify(Object.fromEntries(failures))}`,
        `events delivered = stored: ${equal}/${completedRuns.length} completed runs${mismatches.length ? `; mismatches: ${mismatches.slice(0, 5).join('; ')}` : ''}`,
        `sessions with an interleaved invocation: ${new Set(interleaved).size}`,
        `leftover locks: ${locks.rows[0]!.count}; leftover jobs: ${jobs}`,
      ].join('\n'),
    );

    expect(records).toHaveLength(RUNS);
    expect(killed && restarted).toBe(true);
    expect(equal).toBe(completedRuns.length);
    expect(completedRuns.length).toBeGreaterThan(RUNS / 2);
    expect(reattached).toBeGreaterThan(0);
    // Every failure is a typed code of the outages: a lost worker or queue, Redis unreachable, or
    // (attaching right after Redis restarted empty) a run Redis no longer knows.
    for (const code of failures.keys()) {
      expect(['run.worker_lost', 'internal', 'unavailable', 'run.not_found']).toContain(code);
    }
    expect(failures.get('run.worker_lost') ?? 0).toBeGreaterThan(0);
    expect(new Set(interleaved).size).toBe(0);
    expect(Number(locks.rows[0]!.count)).toBe(0);
    expect(jobs).toBe(0);
    // Every process but the killed worker is still up.
    for (const node of [...servers, workers[0]!, ...workers.slice(2)]) {
      expect(node.child.exitCode, node.output).toBeNull();
    }
  }, 110_000);
});
