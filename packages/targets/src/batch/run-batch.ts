import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import {
  FerriteError,
  InvalidArgumentError,
  TargetError,
  isFinalResponse,
  textOf,
  userContent,
  validateName,
  type Event,
} from '@ferrite/core';
import type { BatchProgress, BatchResult, BatchRunner, BatchSummary } from './batch-types.js';
import { readDataset, type DatasetFormat, type DatasetRow } from './read-dataset.js';

/** Options of {@link runBatch}. */
export interface RunBatchOptions {
  /** Runs each row; a `Runner` of `@ferrite/runner`, or anything with its `run` method. */
  runner: BatchRunner;
  /** Path of a `.jsonl` or `.csv` file (CSV with a header row). */
  dataset: string;
  /** Overrides the format implied by the file name. */
  format?: DatasetFormat;
  /** Rows run at once (default 1). */
  concurrency?: number;
  /** The column or key holding each row's input (default `input`). */
  inputField?: string;
  /** The user every session belongs to (default `batch`). */
  userId?: string;
  /** Session ids are `<prefix>-<row index>` (default `batch-<start time in base 36>`). */
  sessionIdPrefix?: string;
  /** Where `results.jsonl` and `summary.json` are written (created if missing). */
  outputDir: string;
  /** Aborting stops starting rows and cancels the running ones; the summary is still written. */
  signal?: AbortSignal;
  /** Called after each row with the counts so far. */
  onProgress?: (progress: BatchProgress) => void;
  /** Show a progress bar (default: when `progressStream` is a TTY). */
  progressBar?: boolean;
  /** Where the progress bar is drawn (default `process.stderr`). */
  progressStream?: ProgressStream;
}

/** A terminal stream the progress bar can be drawn on, such as `process.stderr`. */
export interface ProgressStream {
  /** Writes text (the bar and its cursor movements). */
  write(text: string): unknown;
  /** True on a terminal; the bar is shown by default only then. */
  isTTY?: boolean;
  /** Width of the terminal in characters. */
  columns?: number;
}

/**
 * Runs every row of a dataset through a runner, one session per row, `concurrency` at a time.
 * Writes `results.jsonl` (one line per row, in completion order) and `summary.json` into
 * `outputDir`, and returns the summary. A failed or malformed row is recorded and the batch
 * goes on.
 *
 * @example
 * ```ts
 * const summary = await runBatch({ runner, dataset: 'questions.csv', concurrency: 8, outputDir: 'out' });
 * console.log(`${summary.succeeded}/${summary.total} succeeded`);
 * ```
 */
export async function runBatch(options: RunBatchOptions): Promise<BatchSummary> {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError('runBatch: concurrency must be a positive integer');
  }
  if (typeof options.runner?.run !== 'function') {
    throw new InvalidArgumentError(
      'runBatch: runner must have a run(userId, sessionId, message) method',
    );
  }
  const inputField = options.inputField ?? 'input';
  const userId = validateName('runBatch userId', options.userId ?? 'batch');
  const startedAt = new Date();
  const prefix = validateName(
    'runBatch sessionIdPrefix',
    options.sessionIdPrefix ?? `batch-${startedAt.getTime().toString(36)}`,
  );
  const rows = await readDataset(options.dataset, options.format);
  await mkdir(options.outputDir, { recursive: true });
  const results = await open(join(options.outputDir, 'results.jsonl'), 'w');
  const stream = options.progressStream ?? process.stderr;
  const bar =
    (options.progressBar ?? stream.isTTY === true) ? startBar(rows.length, stream) : undefined;
  const durations: number[] = [];
  const progress: BatchProgress = { done: 0, total: rows.length, succeeded: 0, failed: 0 };
  let next = 0;
  let writes = Promise.resolve();

  const record = (result: BatchResult, ran: boolean): void => {
    if (ran) durations.push(result.durationMs);
    if (result.error) progress.failed += 1;
    else progress.succeeded += 1;
    progress.done += 1;
    const line = `${JSON.stringify(result)}\n`;
    writes = writes.then(() => results.write(line).then(() => undefined));
    bar?.update(progress.done, { failed: progress.failed });
    options.onProgress?.({ ...progress });
  };

  const worker = async (): Promise<void> => {
    while (next < rows.length && !options.signal?.aborted) {
      const row = rows[next++]!;
      const input = inputOf(row, inputField);
      if (typeof input !== 'string') {
        record(failedRow(row, input.error), false);
        continue;
      }
      const sessionId = `${prefix}-${row.index}`;
      record(await runRow(options.runner, row, input, userId, sessionId, options.signal), true);
    }
  };

  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, Math.max(rows.length, 1)) }, worker),
    );
    await writes;
  } finally {
    bar?.stop();
    await results.close();
  }
  const finishedAt = new Date();
  const ran = progress.succeeded + progress.failed;
  const summary: BatchSummary = {
    dataset: options.dataset,
    total: rows.length,
    succeeded: progress.succeeded,
    failed: progress.failed,
    skipped: rows.length - ran,
    successRate: ran === 0 ? 0 : progress.succeeded / ran,
    p50DurationMs: percentile(durations, 50),
    p95DurationMs: percentile(durations, 95),
    wallTimeMs: finishedAt.getTime() - startedAt.getTime(),
    concurrency,
    cancelled: options.signal?.aborted ?? false,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
  };
  await writeFile(join(options.outputDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function inputOf(row: DatasetRow, field: string): string | { error: string } {
  if (row.error !== undefined) return { error: row.error };
  const value = row.values?.[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return { error: `line ${row.line} has no ${JSON.stringify(field)} text` };
}

function failedRow(row: DatasetRow, message: string): BatchResult {
  return {
    index: row.index,
    line: row.line,
    sessionId: null,
    input: null,
    output: null,
    events: 0,
    durationMs: 0,
    error: { code: InvalidArgumentError.code, message },
  };
}

/** Runs one row; never rejects: a failure is part of the result. */
function runRow(
  runner: BatchRunner,
  row: DatasetRow,
  input: string,
  userId: string,
  sessionId: string,
  signal: AbortSignal | undefined,
): Promise<BatchResult> {
  const started = performance.now();
  let events = 0;
  let output: string | null = null;
  let settled = false;
  return new Promise<BatchResult>((resolve) => {
    const done = (error: BatchResult['error']): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve({
        index: row.index,
        line: row.line,
        sessionId,
        input,
        output,
        events,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        error,
      });
    };
    const onAbort = (): void => {
      subscription?.unsubscribe();
      done({ code: 'cancelled', message: 'the batch was cancelled' });
    };
    let subscription: { unsubscribe(): void } | undefined;
    try {
      subscription = runner.run(userId, sessionId, userContent(input)).subscribe({
        next: (event: Event) => {
          events += 1;
          if (event.author !== 'user' && isFinalResponse(event) && event.content) {
            output = textOf(event.content);
          }
        },
        error: (error: unknown) => done(describeError(error)),
        complete: () => done(null),
      });
    } catch (error) {
      done(describeError(error));
      return;
    }
    if (settled) return;
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function describeError(error: unknown): BatchResult['error'] {
  if (TargetError.isInstance(error) && error.targetCode !== undefined) {
    return { code: error.code, message: error.message, targetCode: error.targetCode };
  }
  if (FerriteError.isInstance(error)) return { code: error.code, message: error.message };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** Nearest-rank percentile; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

function startBar(total: number, stream: ProgressStream): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    {
      format:
        'batch {bar} {percentage}% | {value}/{total} rows | {failed} failed | ETA {eta_formatted}',
      stream: stream as NodeJS.WritableStream,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { failed: 0 });
  return bar;
}
