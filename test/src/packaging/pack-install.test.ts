import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Every package as a user gets it from npm: `pnpm pack` of each packages/* (after `tsc -b`),
// the tarballs installed with `npm install` into a fresh project in a temp folder (no workspace
// links; third-party dependencies from the registry), then a strict TypeScript program
// type-checked against the installed declarations and a plain-JS program run on the installed
// JavaScript. One install is shared by the cases.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/one-turn.mjs', import.meta.url));

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  devDependencies?: Record<string, string>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const installedVersion = (name: string): string =>
  readJson<Manifest>(join(ROOT, 'node_modules', name, 'package.json')).version;

/** The environment of the tools the test runs: no package-manager or vitest settings leak in. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(npm_|pnpm_|VITEST|NODE_OPTIONS$|NODE_ENV$|TSX)/i.test(name),
    ),
  );
}

interface Outcome {
  code: number;
  output: string;
}

/** Runs a command to its end; a failure is an outcome to assert on, not an exception. */
function exec(file: string, args: string[], cwd: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

async function mustExec(file: string, args: string[], cwd: string): Promise<string> {
  const outcome = await exec(file, args, cwd);
  if (outcome.code !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${outcome.code}):\n${outcome.output}`);
  }
  return outcome.output;
}

const packages = readdirSync(join(ROOT, 'packages'))
  .map((dir) => ({
    dir: join(ROOT, 'packages', dir),
    manifestPath: join(ROOT, 'packages', dir, 'package.json'),
  }))
  .filter(({ manifestPath }) => existsSync(manifestPath))
  .map(({ dir, manifestPath }) => ({ dir, manifest: readJson<Manifest>(manifestPath) }))
  .filter(({ manifest }) => manifest.private !== true);

let work: string;
let project: string;

beforeAll(async () => {
  const unbuilt = packages.filter(({ dir }) => !existsSync(join(dir, 'dist', 'index.js')));
  if (unbuilt.length > 0) {
    throw new Error(
      `no build for ${unbuilt.map(({ manifest }) => manifest.name).join(', ')}: run \`pnpm exec tsc -b\` first`,
    );
  }
  work = mkdtempSync(join(tmpdir(), 'ferrite-pack-install-'));
  const tarballs = join(work, 'tarballs');
  project = join(work, 'project');
  mkdirSync(tarballs);
  mkdirSync(join(project, 'src'), { recursive: true });

  await mustExec(
    'pnpm',
    ['-r', '--filter', './packages/*', 'pack', '--pack-destination', tarballs],
    ROOT,
  );
  const packed = readdirSync(tarballs).map((name) => join(tarballs, name));

  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'ferrite-consumer', private: true, type: 'module' }, null, 2),
  );
  const session = packages.find(({ manifest }) => manifest.name === '@ferrite/session')!;
  await mustExec(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...packed,
      `typescript@${installedVersion('typescript')}`,
      `@types/node@${readJson<Manifest>(join(ROOT, 'package.json')).devDependencies!['@types/node']}`,
      // The optional peers the testing subpaths need: vitest (@ferrite/core/testing) and
      // pg's types (@ferrite/session/testing).
      `vitest@${installedVersion('vitest')}`,
      `@types/pg@${session.manifest.devDependencies!['@types/pg']}`,
    ],
    project,
  );
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packages installed from their npm tarballs', () => {
  it('installs every package from its tarball, each once, in the published form', () => {
    const lock = readJson<{ packages: Record<string, { resolved?: string }> }>(
      join(project, 'package-lock.json'),
    );
    for (const { manifest } of packages) {
      expect(lock.packages[`node_modules/${manifest.name}`]?.resolved, manifest.name).toMatch(
        /^file:/,
      );
      const installed = readJson<Manifest>(
        join(project, 'node_modules', manifest.name, 'package.json'),
      );
      expect(JSON.stringify(installed.exports), manifest.name).not.toContain('@ferrite/source');
      expect(JSON.stringify(installed), manifest.name).not.toContain('workspace:');
    }
    // No nested copy fetched from the registry in place of a local tarball.
    expect(
      Object.keys(lock.packages).filter((key) =>
        /node_modules\/.+\/node_modules\/@ferrite\//.test(key),
      ),
    ).toEqual([]);
  });

  it('type-checks a strict program against the installed declarations', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2023',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            verbatimModuleSyntax: true,
            skipLibCheck: false,
            noEmit: true,
            types: ['node'],
          },
          include: ['src'],
        },
        null,
        2,
      ),
    );
    writeFileSync(join(project, 'src', 'app.ts'), STRICT_PROGRAM);
    // Every public entry point of every package, so each shipped declaration file is checked.
    const entryPoints = packages.flatMap(({ manifest }) =>
      Object.keys(manifest.exports ?? {}).map((key) => `${manifest.name}${key.slice(1)}`),
    );
    expect(entryPoints).toContain('@ferrite/core/testing');
    writeFileSync(
      join(project, 'src', 'entry-points.ts'),
      entryPoints
        .map((specifier, index) => `export type * as entry${index} from '${specifier}';\n`)
        .join(''),
    );
    const outcome = await exec(
      process.execPath,
      [join(project, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      project,
    );
    expect(outcome).toEqual({ code: 0, output: '' });
  }, 120_000);

  it('runs a turn and serves it over HTTP from the installed JavaScript', async () => {
    copyFileSync(FIXTURE, join(project, 'one-turn.mjs'));
    const result = JSON.parse(
      await mustExec(process.execPath, ['one-turn.mjs'], project),
    ) as TurnResult;
    expectTurnResult(result);
  }, 60_000);

  it('loads the built JavaScript for a consumer that sets the @ferrite/source condition', async () => {
    copyFileSync(FIXTURE, join(project, 'one-turn.mjs'));
    const result = JSON.parse(
      await mustExec(process.execPath, ['--conditions=@ferrite/source', 'one-turn.mjs'], project),
    ) as TurnResult;
    expectTurnResult(result);
  }, 60_000);

  it('starts the ferrite-batch command from the installed @ferrite/targets', async () => {
    const outcome = await exec(
      join(project, 'node_modules/.bin/ferrite-batch'),
      ['--help'],
      project,
    );
    expect(outcome.code, outcome.output).toBe(0);
    expect(outcome.output).toMatch(/^Usage: ferrite-batch --runner <module> --dataset <file>/);
  }, 60_000);
});

interface TurnResult {
  resolved: Record<string, string>;
  direct: string[];
  sse: { status: number; contentType: string | null; events: string[] };
}

function expectTurnResult(result: TurnResult): void {
  const modules = pathToFileURL(join(project, 'node_modules')).href;
  for (const url of Object.values(result.resolved)) {
    expect(url.startsWith(`${modules}/@ferrite/`) && url.endsWith('.js'), url).toBe(true);
  }
  const turn = (city: string) => [
    `assistant: call get_weather({"city":"${city}"})`,
    `assistant: response {"city":"${city}","forecast":"sunny"}`,
    `assistant: Sunny in ${city}.`,
  ];
  expect(result.direct).toEqual(turn('Lisbon'));
  expect(result.sse.status).toBe(200);
  expect(result.sse.contentType).toMatch(/^text\/event-stream/);
  expect(result.sse.events).toEqual(turn('Porto'));
}

/**
 * What a user's strict project would write. The `@ts-expect-error` lines prove the types are
 * real: were a declaration lost to `any`, the directive would be unused and fail the check.
 */
const STRICT_PROGRAM = `import { Runner } from '@ferrite/runner';
import { LlmAgent, FunctionTool } from '@ferrite/agents';
import { InMemorySessionService } from '@ferrite/session';
import { PostgresSessionService } from '@ferrite/session/postgres';
import { ScriptedModel } from '@ferrite/core/testing';
import { userContent, type Event, type InvocationContext } from '@ferrite/core';
import { createHandler, serve, type RunningServer } from '@ferrite/server';

const weather = new FunctionTool({
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: async ({ city }) => ({ city, forecast: 'sunny' }),
});
const agent = new LlmAgent({
  name: 'assistant',
  description: 'Answers weather questions',
  model: new ScriptedModel(['Sunny.'], { chunkSize: 4 }),
  instruction: 'Be brief.',
  tools: [weather],
});
export const runner = new Runner({
  appName: 'demo',
  agent,
  sessionService: new InMemorySessionService(),
});
export const sessions = new PostgresSessionService({
  connectionString: 'postgres://postgres@127.0.0.1:5432/test',
});
export const durable = new Runner({ appName: 'demo', agent, sessionService: sessions });

export function firstText(events: readonly Event[]): string | undefined {
  return events[0]?.content?.parts?.[0]?.text;
}
export function branchOf(context: InvocationContext): string {
  return context.branch ?? 'root';
}
runner.run('ana', 'session-1', userContent('Weather in Lisbon?')).subscribe((event: Event) => {
  console.log(event.author);
});
export async function start(): Promise<RunningServer> {
  const server = await serve({ handler: createHandler({ apps: runner }), port: 0 });
  // @ts-expect-error the port is a number
  const port: string = server.port;
  console.log(port);
  return server;
}
// @ts-expect-error a runner needs an agent
export const broken = new Runner({ appName: 'demo', sessionService: new InMemorySessionService() });
`;
