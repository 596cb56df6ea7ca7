import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pendingRequestsOf, type Event } from '@ferrite/core';
import { PostgresSessionService } from '@ferrite/session/postgres';

// A paused invocation survives its process: one app process pauses on PostgreSQL and is killed
// with SIGKILL; a new process resumes the invocation from the stored events alone.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APP = fileURLToPath(new URL('./payment-app.ts', import.meta.url));
const connectionString = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `hitl_restart_${process.pid}_${Date.now()}`;

const children: ReturnType<typeof spawn>[] = [];

function start(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@ferrite/source', APP, ...args],
    {
      cwd: ROOT,
    },
  );
  children.push(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (data: string) => (output += data));
  child.stderr.setEncoding('utf8').on('data', (data: string) => (output += data));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, output: () => output };
}

async function lineStartingWith(
  read: () => string,
  prefix: string,
  exited: Promise<unknown>,
): Promise<string> {
  let ended = false;
  void exited.then(() => (ended = true));
  for (;;) {
    const line = read()
      .split('\n')
      .find((candidate) => candidate.startsWith(prefix));
    if (line) return line;
    if (ended) throw new Error(`the process ended without '${prefix}':\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterAll(async () => {
  // A failed assertion must not leave an app process behind.
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  const pool = new pg.Pool({ connectionString });
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

describe('a paused invocation across a process kill', () => {
  it(
    'is resumed by a new process from the events stored on PostgreSQL',
    { timeout: 120_000 },
    async () => {
      const sessionId = 'restart-1';
      const first = start(['pause', connectionString, schema, sessionId]);
      const paused = await lineStartingWith(first.output, 'PAUSED ', first.exited);
      const [, requestId, invocationId] = paused.split(' ');
      expect(first.output()).not.toContain('PAID');
      first.child.kill('SIGKILL');
      const [, signal] = await first.exited;
      expect(signal).toBe('SIGKILL');

      const second = start(['resume', connectionString, schema, sessionId, requestId!]);
      const [code] = await second.exited;
      expect(code, second.output()).toBe(0);
      const paid = second
        .output()
        .split('\n')
        .filter((line) => line.startsWith('PAID '));
      expect(paid).toEqual(['PAID {"amount":50,"to":"acme"}']);
      const resumed = JSON.parse(
        (await lineStartingWith(second.output, 'RESUMED ', second.exited)).slice('RESUMED '.length),
      ) as Event[];
      expect(resumed.map((event) => event.invocationId)).toEqual(resumed.map(() => invocationId));
      expect(resumed.at(-1)!.content!.parts[0]!.text).toBe('Paid 50 to acme.');

      const service = new PostgresSessionService({ connectionString, schema });
      try {
        const session = await service.getSession({ appName: 'payments', userId: 'ada', sessionId });
        expect(pendingRequestsOf(session!.events)).toEqual([]);
        expect(session!.events.map((event) => event.author)).toEqual([
          'user',
          'cashier',
          'cashier',
          'user',
          'cashier',
          'cashier',
        ]);
      } finally {
        await service.close();
      }
    },
  );
});
