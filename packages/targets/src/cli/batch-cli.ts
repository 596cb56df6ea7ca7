import { parseArgs } from 'node:util';
import { FerriteError, InvalidArgumentError } from '@ferrite/core';
import { runBatch, type ProgressStream } from '../batch/run-batch.js';
import type { BatchSummary } from '../batch/batch-types.js';
import { loadRunner } from './load-runner.js';

/** Where the CLI writes; `process.stdout`/`process.stderr` in the real program. */
export interface CliOutput {
  /** Receives the summary line and the help text. */
  stdout: { write(text: string): unknown };
  /** Receives errors, and the progress bar when it is a TTY. */
  stderr: ProgressStream;
}

/** The `ferrite-batch --help` text. */
export const BATCH_USAGE = `Usage: ferrite-batch --runner <module> --dataset <file> [options]

Runs every row of a JSONL or CSV dataset through a Ferrite runner, one session per row,
and writes results.jsonl and summary.json.

Options:
  --runner <module>      module whose default export (or "runner" export) is a Runner,
                         or a function returning one (.js, or .ts with tsx installed)
  --dataset <file>       .jsonl (one JSON object per line) or .csv (with a header row)
  --out <dir>            output directory (default: batch-output)
  --concurrency <n>      rows run at once (default: 1)
  --input-field <name>   key or column holding the input (default: input)
  --user-id <id>         user the sessions belong to (default: batch)
  --format <jsonl|csv>   dataset format when the file name does not tell
  --no-progress          no progress bar, even on a terminal
  -h, --help             show this help

Exit status: 0 when every row succeeded, 1 when some failed, 2 on a usage or setup error.
`;

/**
 * Runs the `ferrite-batch` command line and resolves with its exit status. Ctrl+C (the
 * `signal`) stops the batch and still writes the summary.
 */
export async function runBatchCli(
  argv: readonly string[],
  output: CliOutput,
  signal?: AbortSignal,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        runner: { type: 'string' },
        dataset: { type: 'string' },
        out: { type: 'string', default: 'batch-output' },
        concurrency: { type: 'string', default: '1' },
        'input-field': { type: 'string', default: 'input' },
        'user-id': { type: 'string', default: 'batch' },
        format: { type: 'string' },
        'no-progress': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return usageError(output, (error as Error).message);
  }
  if (values.help) {
    output.stdout.write(BATCH_USAGE);
    return 0;
  }
  if (!values.runner) return usageError(output, 'missing --runner <module>');
  if (!values.dataset) return usageError(output, 'missing --dataset <file>');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    return usageError(
      output,
      `--concurrency must be a positive integer, got ${JSON.stringify(values.concurrency)}`,
    );
  }
  if (values.format !== undefined && values.format !== 'jsonl' && values.format !== 'csv') {
    return usageError(
      output,
      `--format must be jsonl or csv, got ${JSON.stringify(values.format)}`,
    );
  }
  let summary: BatchSummary;
  try {
    const runner = await loadRunner(values.runner);
    summary = await runBatch({
      runner,
      dataset: values.dataset,
      format: values.format,
      concurrency,
      inputField: values['input-field'],
      userId: values['user-id'],
      outputDir: values.out,
      progressBar: !values['no-progress'] && output.stderr.isTTY === true,
      progressStream: output.stderr,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output.stderr.write(`ferrite-batch: ${message}\n`);
    return FerriteError.isInstance(error) && !InvalidArgumentError.isInstance(error) ? 1 : 2;
  }
  const rate = (summary.successRate * 100).toFixed(1);
  output.stdout.write(
    `${summary.total} rows: ${summary.succeeded} succeeded, ${summary.failed} failed (${rate}%)` +
      `${summary.cancelled ? `, ${summary.skipped} skipped (cancelled)` : ''}; ` +
      `p50 ${summary.p50DurationMs.toFixed(0)} ms, p95 ${summary.p95DurationMs.toFixed(0)} ms, ` +
      `wall ${(summary.wallTimeMs / 1000).toFixed(1)} s -> ${values.out}\n`,
  );
  return summary.failed === 0 && !summary.cancelled ? 0 : 1;
}

function usageError(output: CliOutput, message: string): number {
  output.stderr.write(`ferrite-batch: ${message}\nRun ferrite-batch --help for usage.\n`);
  return 2;
}
