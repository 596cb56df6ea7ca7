import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { InMemoryArtifactService } from '@ferrite/artifact';
import { Launcher } from './launcher.js';
import { fixtureAgent } from '../testing/fixture-agent.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../testing/fixture-app.ts', import.meta.url));

/** A child process running the fixture app, with its output collected. */
class Child {
  readonly process: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.process = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@ferrite/source', FIXTURE, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, FORCE_COLOR: '0' },
      },
    );
    this.process.stdout.setEncoding('utf8').on('data', (data: string) => (this.stdout += data));
    this.process.stderr.setEncoding('utf8').on('data', (data: string) => (this.stderr += data));
    this.exited = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
  }

  async waitFor(pattern: RegExp, from = 0, timeoutMs = 20_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout.slice(from));
      if (match) return from + match.index + match[0].length;
      if (Date.now() > until) {
        throw new Error(
          `timed out waiting for ${pattern}; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const children: Child[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.process.exitCode === null) child.process.kill('SIGKILL');
});

function start(args: string[]): Child {
  const child = new Child(args);
  children.push(child);
  return child;
}

describe('Launcher chat (child process)', () => {
  it('streams answers, cancels a run on SIGINT, keeps chatting, exits on a second SIGINT', async () => {
    const child = start([]);
    let at = await child.waitFor(/Ferrite chat — app 'fixture'/);
    child.process.stdin.write('hello\n');
    at = await child.waitFor(/\[desk\] echo: hello!\n/, at);

    child.process.stdin.write('slow\n');
    at = await child.waitFor(/tick2 /, at);
    child.process.kill('SIGINT');
    at = await child.waitFor(/\^C cancelled/, at);
    const afterCancel = child.stdout.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // No more ticks once cancelled.
    expect(child.stdout.slice(afterCancel)).not.toMatch(/tick/);

    child.process.stdin.write('again\n');
    at = await child.waitFor(/\[desk\] echo: again!\n/, at);
    child.process.kill('SIGINT');
    await child.waitFor(/press Ctrl\+C again/, at);
    child.process.kill('SIGINT');
    expect(await child.exited).toBe(0);
  });

  it('exits on /exit and at the end of input', async () => {
    const child = start(['chat', '--user', 'ann']);
    await child.waitFor(/Ferrite chat/);
    child.process.stdin.write('/exit\n');
    expect(await child.exited).toBe(0);

    const piped = start([]);
    piped.process.stdin.end('one\ntwo\n');
    expect(await piped.exited).toBe(0);
    expect(piped.stdout).toMatch(/echo: one!\n[\s\S]*echo: two!\n/);
  });

  it('rejects bad flags with exit code 2 and a clear message', async () => {
    const child = start(['serve', '--port', 'abc']);
    expect(await child.exited).toBe(2);
    expect(child.stderr).toContain('--port must be an integer');
    expect(child.stderr).toContain('Usage:');
    const unknown = start(['--bogus']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr).toContain("fixture-app: unknown option '--bogus'");
  });
});

describe('Launcher serve (child process)', () => {
  it('answers /health on a free port and stops on SIGTERM', async () => {
    const child = start(['serve', '--port', '0']);
    await child.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /listening on (http:\/\/\S+)/.exec(child.stdout)![1]!;
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/list-apps`)).json()).toEqual(['fixture']);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});

describe('Launcher in process', () => {
  function io(input: string) {
    const output = new PassThrough();
    const error = new PassThrough();
    let out = '';
    let err = '';
    output.setEncoding('utf8').on('data', (d: string) => (out += d));
    error.setEncoding('utf8').on('data', (d: string) => (err += d));
    const stdin = new PassThrough();
    stdin.end(input);
    return {
      streams: { input: stdin, output, error, signals: new EventEmitter() },
      out: () => out,
      err: () => err,
    };
  }

  it('shows tool calls, tool results and transfers compactly', async () => {
    const { streams, out } = io('tool\n');
    const code = await new Launcher(fixtureAgent())
      .artifactService(new InMemoryArtifactService())
      .io(streams)
      .run(['chat']);
    expect(code).toBe(0);
    expect(out()).toContain('  → lookup({"key":"k"})');
    expect(out()).toContain('  ← lookup: {"value":42}');
    expect(out()).toContain('  ⇒ desk transfers to helper');
    expect(out()).toContain('[helper] helper here, the value is 42');
    expect(out()).not.toContain('transfer_to_agent');
  });

  it('prints the help', async () => {
    const { streams, out } = io('');
    expect(await new Launcher(fixtureAgent()).io(streams).programName('demo').run(['--help'])).toBe(
      0,
    );
    expect(out()).toContain('Usage: demo [chat]');
    expect(out()).toContain('serve [--port 8080] [--host 127.0.0.1]');
  });
});
