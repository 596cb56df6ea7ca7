import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseCommand } from '../cli/parse-command.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../testing/fixture-app.ts', import.meta.url));
// By path, so the program can start from a folder outside the workspace.
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

let dir: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrite-web-'));
  await mkdir(join(dir, 'ui'));
  await writeFile(join(dir, 'ui', 'index.html'), '<base href="./"><app-root></app-root>');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs the fixture launcher program in a child process from `cwd`. */
function launch(args: string[], cwd = ROOT) {
  const child = spawn(
    process.execPath,
    ['--import', TSX, '--conditions=@ferrite/source', FIXTURE, ...args],
    { cwd, env: { ...process.env, FORCE_COLOR: '0' } },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (data: string) => (stdout += data));
  child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (const until = Date.now() + 20_000; Date.now() < until;) {
      const match = pattern.exec(stdout);
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`);
  };
  return { child, exited, waitFor, stderr: () => stderr };
}

describe('launcher web', () => {
  it('reads web with its defaults and options', () => {
    expect(parseCommand(['web'])).toEqual({
      kind: 'web',
      port: 8000,
      host: '127.0.0.1',
      devUiDir: undefined,
    });
    expect(parseCommand(['web', '--port=0', '--dev-ui-dir', '/x'])).toEqual({
      kind: 'web',
      port: 0,
      host: '127.0.0.1',
      devUiDir: '/x',
    });
    expect(parseCommand(['serve', '--dev-ui-dir', '/x'])).toMatchObject({
      kind: 'invalid',
      message: '--dev-ui-dir belongs to the web command',
    });
    expect(parseCommand(['web', '--user', 'u'])).toMatchObject({ kind: 'invalid' });
  });

  it('serves the API, the Dev UI at /dev-ui/ and the traces of its runs', async () => {
    const app = launch(['web', '--port', '0', '--dev-ui-dir', join(dir, 'ui')]);
    const url = (await app.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    expect((await app.waitFor(/Dev UI: (\S+)/))[1]).toBe(`${url}/dev-ui/`);
    const home = await fetch(`${url}/`, { redirect: 'manual' });
    expect(home.headers.get('location')).toBe('/dev-ui/');
    expect(await (await fetch(`${url}/dev-ui/`)).text()).toContain('<app-root>');
    const info = (await (await fetch(`${url}/dev/apps/fixture/build_graph`)).json()) as {
      root_agent: { name: string; sub_agents: { name: string }[] };
    };
    expect(info.root_agent.name).toBe('desk');
    expect(info.root_agent.sub_agents.map((agent) => agent.name)).toEqual(['helper']);

    // A run is traced into the store the Traces tab reads.
    const ran = await fetch(`${url}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appName: 'fixture',
        userId: 'u1',
        sessionId: 's1',
        newMessage: { role: 'user', parts: [{ text: 'hello' }] },
      }),
    });
    expect(ran.status).toBe(200);
    const spans = (await (
      await fetch(`${url}/dev/apps/fixture/debug/trace/session/s1`)
    ).json()) as { name: string; attributes: Record<string, unknown> }[];
    expect(spans.map((span) => span.name)).toContain('invoke_agent desk');
    expect(spans.every((span) => span.attributes['gen_ai.conversation.id'] !== 'other')).toBe(true);
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
  });

  it('says how to get the Dev UI when it is not installed, with exit code 1', async () => {
    const app = launch(['web', '--port', '0'], dir);
    expect(await app.exited).toBe(1);
    expect(app.stderr()).toMatch(/Dev UI was not found: install @google\/adk-devtools/);
  });
});
