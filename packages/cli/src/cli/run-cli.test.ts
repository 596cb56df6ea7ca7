import { EventEmitter } from 'node:events';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type Agent } from '@ferrite/core';
import { runCli, type RunCliOptions } from './run-cli.js';

/** An agent that answers every message with one stored event. */
const desk: Agent = {
  name: 'desk',
  description: 'answers once',
  subAgents: [],
  run: async function* () {
    yield createEvent({ content: { role: 'model', parts: [{ text: 'noted' }] } });
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrite-run-cli-'));
  await mkdir(join(dir, 'ui'));
  await writeFile(join(dir, 'ui', 'index.html'), '<base href="./"><app-root></app-root>');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** runCli on the desk with captured streams, a signal emitter of the test's own and `dir` as cwd. */
function start(argv: string[], env: NodeJS.ProcessEnv, options: Partial<RunCliOptions> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.setEncoding('utf8').on('data', (data: string) => (out += data));
  stderr.setEncoding('utf8').on('data', (data: string) => (err += data));
  const signals = new EventEmitter();
  const code = runCli(argv, {
    apps: desk,
    env: { FERRITE_ARTIFACTS: 'memory:', PORT: '0', ...env },
    io: { stdin: new PassThrough(), stdout, stderr, signals, cwd: dir },
    ...options,
  });
  const url = async (): Promise<string> => {
    for (;;) {
      const found = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) return found;
      const settled = await Promise.race([
        code.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 10)),
      ]);
      if (settled) throw new Error(`the command ended:\n${out}${err}`);
    }
  };
  return { code, url, signals, stdout: () => out, stderr: () => err };
}

async function ask(url: string, sessionId: string): Promise<Response> {
  return fetch(`${url}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      appName: 'desk',
      userId: 'u1',
      sessionId,
      newMessage: { role: 'user', parts: [{ text: 'hello' }] },
    }),
  });
}

describe('runCli: the command when none is given', () => {
  it('serves with defaultCommand serve and no FERRITE_MODE, until SIGTERM', async () => {
    const cli = start([], {}, { defaultCommand: 'serve' });
    const url = await cli.url();
    expect((await ask(url, 's1')).status).toBe(200);
    cli.signals.emit('SIGTERM');
    expect(await cli.code).toBe(0);
    expect(cli.stdout()).toContain('stopped');
  });

  it('takes FERRITE_MODE over defaultCommand, and its flags after it', async () => {
    const worker = start([], { FERRITE_MODE: 'worker' }, { defaultCommand: 'serve' });
    // A worker needs Redis: refusing its absence shows the worker command was chosen.
    expect(await worker.code).toBe(2);
    expect(worker.stderr()).toMatch(/REDIS_URL\) is required by `ferrite worker`/);

    const served = start(['--app-name', 'front'], { FERRITE_MODE: 'serve' });
    const url = await served.url();
    expect(await (await fetch(`${url}/list-apps`)).json()).toEqual(['front']);
    served.signals.emit('SIGTERM');
    expect(await served.code).toBe(0);
  });

  it('refuses a FERRITE_MODE that names no command, and prints the help without either', async () => {
    const bad = start([], { FERRITE_MODE: 'both' }, { defaultCommand: 'serve' });
    expect(await bad.code).toBe(2);
    expect(bad.stderr()).toContain("FERRITE_MODE must be serve or worker, got 'both'");

    const help = start([], {});
    expect(await help.code).toBe(0);
    expect(help.stdout()).toContain('Usage: ferrite <command>');
  });

  it('refuses a module when the program gives its own agents', async () => {
    const cli = start(['serve', './agent.js'], {});
    expect(await cli.code).toBe(2);
    expect(cli.stderr()).toContain('takes no module, got ./agent.js');
  });
});

describe('runCli: the Dev UI', () => {
  it('serves the UI of --dev-ui-dir at /dev-ui/ and traces runs into its Traces tab', async () => {
    const cli = start(['serve', '--dev-ui-dir', join(dir, 'ui')], {});
    const url = await cli.url();
    expect(cli.stdout()).toContain(`Dev UI: ${url}/dev-ui/`);
    expect(await (await fetch(`${url}/dev-ui/`)).text()).toContain('<app-root>');
    expect((await ask(url, 's1')).status).toBe(200);
    const spans = (await (await fetch(`${url}/dev/apps/desk/debug/trace/session/s1`)).json()) as {
      name: string;
    }[];
    expect(spans.map((span) => span.name)).toContain('invocation');
    cli.signals.emit('SIGTERM');
    expect(await cli.code).toBe(0);
  });

  it('stops with exit code 2, the setting and how to install the UI when none is found', async () => {
    const flag = start(['serve', '--dev-ui'], {});
    expect(await flag.code).toBe(2);
    expect(flag.stderr()).toMatch(
      /^start-up check failed: ADK's Dev UI was not found: install @google\/adk-devtools.* \(setting: --dev-ui\)$/m,
    );
    expect(flag.stdout()).not.toContain('listening on');

    const folder = start(['serve'], { DEV_UI_DIR: join(dir, 'no-ui') });
    expect(await folder.code).toBe(2);
    expect(folder.stderr()).toMatch(/holds no index\.html \(setting: DEV_UI_DIR\)$/m);

    const off = start(['serve'], { DEV_UI: 'false', DEV_UI_DIR: join(dir, 'no-ui') });
    const url = await off.url();
    expect((await fetch(`${url}/dev-ui/`)).status).toBe(404);
    off.signals.emit('SIGTERM');
    expect(await off.code).toBe(0);

    const wrong = start(['serve'], { DEV_UI: 'yes' });
    expect(await wrong.code).toBe(2);
    expect(wrong.stderr()).toContain(
      "configuration error: DEV_UI must be true or false, got 'yes'",
    );
  });
});
