import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built command, as npm links it: `node packages/cli/dist/bin.js`. */
const BIN = join(ROOT, 'packages/cli/dist/bin.js');

/**
 * Brings packages/cli/dist (and what it uses) up to date with `tsc -b`, one build at a time
 * across test files (a build writing dist while another process starts the bin would race).
 * Type errors elsewhere in the tree do not stop tsc from writing the JavaScript.
 */
export function buildCli(): void {
  spawnSync(
    'flock',
    ['/tmp/ferrite-cli-build.lock', join(ROOT, 'node_modules/.bin/tsc'), '-b', 'packages/cli'],
    {
      cwd: ROOT,
      stdio: 'ignore',
    },
  );
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm exec tsc -b`);
}

/**
 * The user's agent module: an LlmAgent with an `add` tool, driven by a small deterministic
 * model written in the module (no network): it calls `add` with the first two numbers of the
 * message, then streams "the sum is N" word by word, `WORD_DELAY_MS` apart.
 */
export const CALCULATOR_TS = `
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import type { GenerateOptions, Model, ModelRequest, ModelResponse } from '@ferrite/core';

const delay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });

const model: Model = {
  name: 'adder',
  async *generate(request: ModelRequest, options: GenerateOptions): AsyncIterable<ModelResponse> {
    const last = request.contents[request.contents.length - 1]!;
    const answer = last.parts.find((part) => part.functionResponse)?.functionResponse;
    if (!answer) {
      const [a = 0, b = 0] = (last.parts[0]?.text ?? '').match(/\\d+/g)?.map(Number) ?? [];
      yield { content: { role: 'model', parts: [{ functionCall: { id: 'c1', name: 'add', args: { a, b } } }] } };
      return;
    }
    const words = ['the', 'sum', 'is', String((answer.response as { sum: number }).sum)];
    for (const word of words) {
      await delay(Number(process.env.WORD_DELAY_MS ?? 0), options.signal);
      if (options.stream) yield { content: { role: 'model', parts: [{ text: word + ' ' }] }, partial: true };
    }
    yield { content: { role: 'model', parts: [{ text: words.join(' ') }] } };
  },
};

const add = new FunctionTool({
  name: 'add',
  description: 'adds two numbers',
  parameters: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
  },
  execute: (args: unknown) => {
    const { a, b } = args as { a: number; b: number };
    return { sum: a + b };
  },
});

export default new LlmAgent({ name: 'calculator', model, tools: [add] });
`;

/** A JavaScript module exporting two apps, each a plain Agent object (no TypeScript, no tsx). */
export const TWO_APPS_MJS = `
import { createEvent } from '@ferrite/core';

const replier = (name, reply) => ({
  name,
  description: 'answers once',
  subAgents: [],
  async *run(context) {
    const said = context.userContent.parts[0]?.text ?? '';
    yield createEvent({ content: { role: 'model', parts: [{ text: reply + ': ' + said }] } });
  },
});

export const apps = { alpha: replier('alpha_agent', 'alpha'), beta: replier('beta_agent', 'beta') };
`;

/**
 * A throw-away project directory holding the user's modules: `"type": "module"` and the
 * workspace's built `@ferrite/core` and `@ferrite/agents` linked under node_modules, as an
 * install would place them.
 */
export function makeProject(files: Record<string, string>): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-cli-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  mkdirSync(join(dir, 'node_modules/@ferrite'), { recursive: true });
  for (const name of ['core', 'agents']) {
    symlinkSync(join(ROOT, 'packages', name), join(dir, 'node_modules/@ferrite', name), 'dir');
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every variable `ferrite` reads, blanked, so the developer's environment cannot leak in. */
const BLANK = Object.fromEntries(
  [
    'PORT',
    'HOST',
    'APP_NAME',
    'DATABASE_URL',
    'DATABASE_SCHEMA',
    'S3_BUCKET',
    'S3_ENDPOINT',
    'S3_PREFIX',
    'S3_REGION',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
    'S3_VERSION_ALLOCATION',
    'ARTIFACTS_DIR',
    'QDRANT_URL',
    'QDRANT_COLLECTION',
    'QDRANT_API_KEY',
    'OPENAI_API_KEY',
    'OPENAI_BASE_URL',
    'OPENAI_MODEL',
    'OPENAI_EMBEDDING_MODEL',
    'REDIS_URL',
    'REDIS_KEY_PREFIX',
    'AUTH_TOKEN',
    'AUTH_TOKEN_USER',
    'AUTH_JWT_SECRET',
    'AUTH_JWKS_URL',
    'AUTH_JWT_ISSUER',
    'AUTH_JWT_AUDIENCE',
    'AUTH_JWT_ALGORITHMS',
    'ALLOWED_HOSTS',
    'CORS_ORIGINS',
    'SHUTDOWN_GRACE_MS',
    'WORKER_CONCURRENCY',
    'WORKER_LOCK_MS',
    'WORKER_STALLED_CHECK_MS',
    'RUNS_ON_DISCONNECT',
  ].map((name) => [name, '']),
);

/** A running `ferrite` process. */
export interface CliProcess extends AsyncDisposable {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Resolves when `pattern` appears in the output (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts `node packages/cli/dist/bin.js …args` in `cwd` (Node itself receives the signals). */
export function startCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: {
      ...process.env,
      ...BLANK,
      ...Object.fromEntries(
        Object.keys(process.env)
          .filter((name) => name.startsWith('FERRITE_'))
          .map((name) => [name, '']),
      ),
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of waiters) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', (data: string) => {
    stdout += data;
    notify();
  });
  child.stderr.setEncoding('utf8').on('data', (data: string) => {
    stderr += data;
    notify();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const output = (): string => stdout + stderr;
  return {
    child,
    output,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output());
          if (match) {
            waiters.delete(check);
            resolve(match);
          }
        };
        waiters.add(check);
        check();
        void exited.then(() => {
          if (waiters.delete(check))
            reject(new Error(`ferrite exited before ${String(pattern)}:\n${output()}`));
        });
      }),
    [Symbol.asyncDispose]: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs `ferrite …args` to its end with `input` on stdin. */
export async function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  await using cli = startCli(args, cwd, env);
  cli.child.stdin.end(input);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}
