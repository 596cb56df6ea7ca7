import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  TargetError,
  createEvent,
  modelContent,
  textOf,
  type Agent,
  type Event,
  type InvocationContext,
} from '@ferrite/core';
import { abortableDelay } from '@ferrite/core/testing';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import type { BatchResult, BatchSummary } from './batch-types.js';
import { percentile, runBatch } from './run-batch.js';

/** Answers `answer: <input>` after a short pause; inputs starting with FAIL throw. */
class AnsweringAgent implements Agent {
  readonly name = 'answerer';
  readonly description = 'answers';
  readonly subAgents: readonly Agent[] = [];
  running = 0;
  maxRunning = 0;

  async *run(context: InvocationContext): AsyncGenerator<Event> {
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      const input = textOf(context.userContent);
      await abortableDelay(2 + (input.length % 5), context.signal);
      if (input.startsWith('FAIL'))
        throw new TargetError(`cannot answer ${input}`, { targetCode: 'NOPE' });
      yield createEvent({ content: modelContent(`answer: ${input}`) });
    } finally {
      this.running -= 1;
    }
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrite-batch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readResults(outputDir: string): Promise<BatchResult[]> {
  const text = await readFile(join(outputDir, 'results.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as BatchResult)
    .sort((a, b) => a.index - b.index);
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('runBatch', () => {
  it('runs 200 CSV rows at concurrency 8, recording the 3 that fail', async () => {
    const failing = new Set([17, 99, 180]);
    const inputs = Array.from({ length: 200 }, (_, i) => {
      if (failing.has(i)) return `FAIL ${i}`;
      if (i === 5) return 'a "quoted", comma\nand a newline';
      return `question ${i}`;
    });
    const csv = [
      'id,input,notes',
      ...inputs.map((input, i) => `${i},${csvField(input)},n${i}`),
    ].join('\n');
    const dataset = join(dir, 'questions.csv');
    await writeFile(dataset, `\uFEFF${csv}\n`);
    const agent = new AnsweringAgent();
    const runner = new Runner({
      appName: 'batch_app',
      agent,
      sessionService: new InMemorySessionService(),
    });
    const progress: number[] = [];
    const out = join(dir, 'out');

    const summary = await runBatch({
      runner,
      dataset,
      concurrency: 8,
      outputDir: out,
      sessionIdPrefix: 'run1',
      onProgress: (p) => progress.push(p.done),
      progressBar: false,
    });

    const results = await readResults(out);
    expect(results).toHaveLength(200);
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(results.filter((r) => r.error).map((r) => r.index)).toEqual([17, 99, 180]);
    expect(results[17]!.error).toEqual({
      code: 'target.error',
      message: 'cannot answer FAIL 17',
      targetCode: 'NOPE',
    });
    expect(results[17]!.output).toBeNull();
    expect(results[5]!.input).toBe('a "quoted", comma\nand a newline');
    expect(results[5]!.output).toBe('answer: a "quoted", comma\nand a newline');
    expect(results[6]).toMatchObject({
      line: 9,
      sessionId: 'run1-6',
      input: 'question 6',
      output: 'answer: question 6',
      events: 1,
      error: null,
    });
    expect(results.every((r) => r.durationMs >= 0)).toBe(true);
    expect(agent.maxRunning).toBeGreaterThan(1);
    expect(agent.maxRunning).toBeLessThanOrEqual(8);
    expect(progress).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));

    const written = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as BatchSummary;
    expect(written).toEqual(summary);
    expect(summary).toMatchObject({
      total: 200,
      succeeded: 197,
      failed: 3,
      skipped: 0,
      successRate: 0.985,
      concurrency: 8,
      cancelled: false,
    });
    const durations = results.map((r) => r.durationMs);
    expect(summary.p50DurationMs).toBe(percentile(durations, 50));
    expect(summary.p95DurationMs).toBe(percentile(durations, 95));
    expect(summary.p95DurationMs).toBeGreaterThanOrEqual(summary.p50DurationMs);
    expect(summary.wallTimeMs).toBeGreaterThan(0);

    // One session per row, holding the user message and the answer.
    const session = await runner.sessionService.getSession({
      appName: 'batch_app',
      userId: 'batch',
      sessionId: 'run1-6',
    });
    expect(session?.events.map((e) => textOf(e.content))).toEqual([
      'question 6',
      'answer: question 6',
    ]);
  });

  it('records malformed JSONL rows with their line numbers and goes on', async () => {
    const dataset = join(dir, 'rows.jsonl');
    await writeFile(
      dataset,
      [
        '{"input":"first"}',
        '',
        '{"input": oops}',
        '[1,2]',
        '{"question":"wrong field"}',
        '{"input":"last"}',
      ].join('\n'),
    );
    const runner = new Runner({
      appName: 'batch_app',
      agent: new AnsweringAgent(),
      sessionService: new InMemorySessionService(),
    });
    const summary = await runBatch({
      runner,
      dataset,
      concurrency: 2,
      outputDir: dir,
      progressBar: false,
    });
    const results = await readResults(dir);
    expect(results.map((r) => [r.line, r.output ?? r.error?.message])).toEqual([
      [1, 'answer: first'],
      [3, expect.stringContaining('line 3 is not valid JSON')],
      [4, 'line 4 is not a JSON object'],
      [5, 'line 5 has no "input" text'],
      [6, 'answer: last'],
    ]);
    expect(summary).toMatchObject({ total: 5, succeeded: 2, failed: 3 });
  });

  it('uses another input field and records CSV records it cannot parse', async () => {
    const dataset = join(dir, 'rows.csv');
    await writeFile(dataset, 'prompt,extra\nhello,1\ntoo,many,fields\nbye,2\n');
    const runner = new Runner({
      appName: 'batch_app',
      agent: new AnsweringAgent(),
      sessionService: new InMemorySessionService(),
    });
    const summary = await runBatch({
      runner,
      dataset,
      inputField: 'prompt',
      outputDir: dir,
      progressBar: false,
    });
    const results = await readResults(dir);
    expect(results.map((r) => r.output ?? r.error?.message)).toEqual([
      'answer: hello',
      expect.stringMatching(/^line 3: .*(column|field)/i),
      'answer: bye',
    ]);
    expect(summary).toMatchObject({ total: 3, succeeded: 2, failed: 1 });
  });

  it('draws a progress bar on a terminal, and none elsewhere', async () => {
    const dataset = join(dir, 'rows.jsonl');
    await writeFile(
      dataset,
      Array.from({ length: 12 }, (_, i) =>
        JSON.stringify({ input: i === 3 ? 'FAIL' : `q${i}` }),
      ).join('\n'),
    );
    const runner = new Runner({
      appName: 'batch_app',
      agent: new AnsweringAgent(),
      sessionService: new InMemorySessionService(),
    });
    let drawn = '';
    const terminal = { isTTY: true, columns: 100, write: (text: string) => (drawn += text) };
    await runBatch({ runner, dataset, outputDir: join(dir, 'tty'), progressStream: terminal });
    expect(drawn).toContain('12/12 rows | 1 failed');
    expect(drawn).toContain('100%');

    let piped = '';
    const pipe = { isTTY: false, write: (text: string) => (piped += text) };
    await runBatch({ runner, dataset, outputDir: join(dir, 'pipe'), progressStream: pipe });
    expect(piped).toBe('');
  });

  it('stops when the signal aborts and still writes the summary', async () => {
    const dataset = join(dir, 'rows.jsonl');
    await writeFile(
      dataset,
      Array.from({ length: 50 }, (_, i) => JSON.stringify({ input: `q${i}` })).join('\n'),
    );
    const runner = new Runner({
      appName: 'batch_app',
      agent: new AnsweringAgent(),
      sessionService: new InMemorySessionService(),
    });
    const controller = new AbortController();
    const summary = await runBatch({
      runner,
      dataset,
      concurrency: 2,
      outputDir: dir,
      signal: controller.signal,
      progressBar: false,
      onProgress: (p) => {
        if (p.done === 10) controller.abort();
      },
    });
    expect(summary.cancelled).toBe(true);
    expect(summary.succeeded + summary.failed).toBeLessThan(50);
    expect(summary.skipped).toBe(50 - summary.succeeded - summary.failed);
    const results = await readResults(dir);
    expect(results).toHaveLength(summary.succeeded + summary.failed);
  });

  it('rejects a dataset it cannot read and bad options', async () => {
    const runner = new Runner({
      appName: 'batch_app',
      agent: new AnsweringAgent(),
      sessionService: new InMemorySessionService(),
    });
    await expect(
      runBatch({ runner, dataset: join(dir, 'missing.csv'), outputDir: dir }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      runBatch({ runner, dataset: join(dir, 'data.txt'), outputDir: dir }),
    ).rejects.toThrow(/\.jsonl or \.csv/);
    await expect(
      runBatch({ runner, dataset: 'x.csv', outputDir: dir, concurrency: 0 }),
    ).rejects.toThrow(/concurrency/);
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([5], 95)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 95)).toBe(10);
  });
});
