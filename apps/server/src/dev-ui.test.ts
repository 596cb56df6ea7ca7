import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readSettings } from '@ferrite/cli';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

let dir: string;
const children: ChildProcessWithoutNullStreams[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrite-server-devui-'));
  await mkdir(join(dir, 'ui'));
  await writeFile(join(dir, 'ui', 'index.html'), '<base href="./"><app-root></app-root>');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts the server app with only the given settings (plus PORT=0) from `cwd`. */
function start(env: Record<string, string>, cwd = ROOT) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(DEV_UI|DATABASE_|S3_|QDRANT_|OPENAI_|AUTH_|APP_NAME|CORS_|ALLOWED_)/.test(name),
    ),
  );
  const child = spawn(process.execPath, ['--import', TSX, '--conditions=@ferrite/source', MAIN], {
    cwd,
    env: { ...clean, PORT: '0', ARTIFACTS_DIR: join(dir, 'artifacts'), ...env },
  });
  children.push(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = async (): Promise<string> => {
    for (const until = Date.now() + 30_000; Date.now() < until;) {
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (found) return found;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`server did not start:\n${output}`);
  };
  return { child, url, exited, output: () => output };
}

describe('server app: the Dev UI', () => {
  it('reads DEV_UI and DEV_UI_DIR', () => {
    const read = (env: NodeJS.ProcessEnv) => readSettings('serve', {}, env);
    expect(read({}).devUi).toBeUndefined();
    expect(read({ DEV_UI: 'true' }).devUi).toEqual({ dir: undefined });
    expect(read({ DEV_UI_DIR: '/ui' }).devUi).toEqual({ dir: '/ui' });
    expect(read({ DEV_UI: 'false', DEV_UI_DIR: '/ui' }).devUi).toBeUndefined();
    expect(() => read({ DEV_UI: 'yes' })).toThrow(/DEV_UI must be true or false/);
  });

  it('serves the UI and traces every run into the Traces tab with real durations', async () => {
    const server = start({ DEV_UI_DIR: join(dir, 'ui') });
    const url = await server.url();
    expect(await (await fetch(`${url}/dev-ui/`)).text()).toContain('<app-root>');
    const ran = await fetch(`${url}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        appName: 'quickstart',
        userId: 'u1',
        sessionId: 's1',
        newMessage: { role: 'user', parts: [{ text: 'convert 10 km to mi' }] },
      }),
    });
    expect(ran.status).toBe(200);
    const spans = (await (
      await fetch(`${url}/dev/apps/quickstart/debug/trace/session/s1`)
    ).json()) as { name: string; start_time: number; end_time: number }[];
    const names = spans.map((span) => span.name);
    expect(names).toContain('invocation');
    expect(names.some((name) => name.startsWith('chat '))).toBe(true);
    expect(names).toContain('execute_tool convert_units');
    for (const span of spans) expect(span.end_time).toBeGreaterThan(span.start_time);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('stops with exit code 2 and the way to install it when DEV_UI finds no UI', async () => {
    const server = start({ DEV_UI: 'true' }, dir);
    expect(await server.exited).toBe(2);
    expect(server.output()).toMatch(/Dev UI was not found: install @google\/adk-devtools/);
  });
});
