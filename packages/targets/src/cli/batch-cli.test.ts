import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BATCH_USAGE, runBatchCli } from './batch-cli.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const packageDir = here('../../');

function capture(): { stdout: string; stderr: string; output: Parameters<typeof runBatchCli>[1] } {
  const result = {
    stdout: '',
    stderr: '',
    output: {
      stdout: { write: (text: string) => (result.stdout += text) },
      stderr: { write: (text: string) => (result.stderr += text), isTTY: false },
    },
  };
  return result;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrite-batch-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ferrite-batch', () => {
  it('prints help', async () => {
    const io = capture();
    expect(await runBatchCli(['--help'], io.output)).toBe(0);
    expect(io.stdout).toBe(BATCH_USAGE);
    expect(io.stdout).toContain('--concurrency <n>');
  });

  it.each([
    [['--runner'], /argument missing/i],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--dataset', 'x.csv'], /missing --runner/],
    [['--runner', 'r.ts'], /missing --dataset/],
    [
      ['--runner', 'r.ts', '--dataset', 'x.csv', '--concurrency', 'many'],
      /--concurrency must be a positive integer, got "many"/,
    ],
    [
      ['--runner', 'r.ts', '--dataset', 'x.csv', '--format', 'xml'],
      /--format must be jsonl or csv/,
    ],
  ])('rejects %j with a clear message and status 2', async (argv, message) => {
    const io = capture();
    expect(await runBatchCli(argv, io.output)).toBe(2);
    expect(io.stderr).toMatch(message);
    expect(io.stderr).toContain('ferrite-batch --help');
  });

  it('reports a runner module that does not exist', async () => {
    const io = capture();
    expect(await runBatchCli(['--runner', 'nowhere.ts', '--dataset', 'x.csv'], io.output)).toBe(2);
    expect(io.stderr).toBe('ferrite-batch: --runner nowhere.ts does not exist\n');
  });

  it('explains a module that exports no runner', async () => {
    const io = capture();
    const status = await runBatchCli(
      ['--runner', here('./fixtures/no-runner.ts'), '--dataset', 'x.csv'],
      io.output,
    );
    expect(status).toBe(2);
    expect(io.stderr).toContain('has no default export and no export named "runner"');
  });

  it('runs a dataset with a runner module and reports the summary', async () => {
    const dataset = join(dir, 'rows.csv');
    await writeFile(dataset, 'text\nhello\nboom\n"a, b"\n');
    const out = join(dir, 'out');
    const io = capture();
    const status = await runBatchCli(
      [
        '--runner',
        here('./fixtures/echo-runner.ts'),
        '--dataset',
        dataset,
        '--input-field',
        'text',
        '--concurrency',
        '2',
        '--out',
        out,
      ],
      io.output,
    );
    expect(status).toBe(1); // one row failed
    expect(io.stdout).toMatch(/^3 rows: 2 succeeded, 1 failed \(66\.7%\)/);
    const results = (await readFile(join(out, 'results.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input: string; output: string | null });
    expect(results.map((r) => r.output).sort()).toEqual(['A, B', 'HELLO', null]);
    expect(JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'))).toMatchObject({
      total: 3,
      succeeded: 2,
      failed: 1,
    });
  });

  it('runs as a program', async () => {
    const dataset = join(dir, 'rows.jsonl');
    await writeFile(dataset, '{"input":"one"}\n{"input":"two"}\n');
    const out = join(dir, 'out');
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        '--conditions=@ferrite/source',
        '--import',
        'tsx',
        'src/cli/ferrite-batch.ts',
        '--runner',
        'src/cli/fixtures/echo-runner.ts',
        '--dataset',
        dataset,
        '--out',
        out,
      ],
      { cwd: packageDir },
    );
    expect(stderr).toBe(''); // not a TTY: no progress bar
    expect(stdout).toMatch(/^2 rows: 2 succeeded, 0 failed \(100\.0%\)/);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      successRate: number;
    };
    expect(summary.successRate).toBe(1);
  });
});
