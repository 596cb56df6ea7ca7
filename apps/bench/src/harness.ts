import { performance } from 'node:perf_hooks';

/** One measured case. */
export interface Measurement {
  name: string;
  /** Operations measured (after warm-up). */
  operations: number;
  /** Total milliseconds for those operations. */
  totalMs: number;
  /** Microseconds per operation. */
  microsPerOp: number;
  /** Operations per second. */
  opsPerSecond: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Operations to time (default 1000). */
  operations?: number;
  /** Untimed operations first, to warm the JIT and caches (default a tenth of `operations`). */
  warmup?: number;
  /** How many operations `run` performs per call, when it batches (default 1). */
  perCall?: number;
  /**
   * What to time: `'wall'` (default) or `'cpu'`, this process's CPU time, which other processes
   * on a busy machine do not inflate.
   */
  clock?: 'wall' | 'cpu';
}

/** Builds a measurement from a total time in milliseconds. */
export function toMeasurement(name: string, operations: number, totalMs: number): Measurement {
  return {
    name,
    operations,
    totalMs,
    microsPerOp: (totalMs * 1000) / operations,
    opsPerSecond: operations / (totalMs / 1000),
  };
}

function startClock(clock: 'wall' | 'cpu'): () => number {
  if (clock === 'wall') {
    const start = performance.now();
    return () => performance.now() - start;
  }
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
}

/** Times `run` over many calls and reports per-operation figures. */
export async function measure(
  name: string,
  run: (index: number) => unknown,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const operations = options.operations ?? 1000;
  const warmup = options.warmup ?? Math.ceil(operations / 10);
  const perCall = options.perCall ?? 1;
  for (let i = 0; i < warmup; i += perCall) await run(i);
  // Collect first, so garbage the previous case left is not charged to this one.
  (globalThis as { gc?: () => void }).gc?.();
  const elapsed = startClock(options.clock ?? 'wall');
  for (let i = 0; i < operations; i += perCall) await run(warmup + i);
  return toMeasurement(name, operations, elapsed());
}

/**
 * Measures every case in several interleaved rounds and keeps each case's best round, so load
 * from other processes hits every case alike. Only the first round warms up.
 */
export async function bestOf(
  rounds: number,
  cases: Record<string, (index: number) => unknown>,
  options: MeasureOptions = {},
): Promise<Measurement[]> {
  const best = new Map<string, Measurement>();
  for (let round = 0; round < rounds; round += 1) {
    for (const [name, run] of Object.entries(cases)) {
      const result = await measure(name, run, round === 0 ? options : { ...options, warmup: 0 });
      const previous = best.get(name);
      if (!previous || result.microsPerOp < previous.microsPerOp) best.set(name, result);
    }
  }
  return [...best.values()];
}

/** A ratio of two measurements (a / b by microseconds per operation). */
export function ratio(a: Measurement, b: Measurement): number {
  return a.microsPerOp / b.microsPerOp;
}

/** Prints measurements as an aligned table, then any ratio lines. */
export function report(
  title: string,
  rows: Measurement[],
  ratios: Record<string, number> = {},
): void {
  console.log(`\n## ${title}`);
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  console.log(`${'case'.padEnd(width)}  ${'ops/s'.padStart(12)}  ${'µs/op'.padStart(10)}`);
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(width)}  ${row.opsPerSecond.toFixed(0).padStart(12)}  ${row.microsPerOp.toFixed(2).padStart(10)}`,
    );
  }
  for (const [label, value] of Object.entries(ratios))
    console.log(`ratio ${label}: ${value.toFixed(2)}×`);
}

/** Heap used after a forced collection when `--expose-gc` is on, else as it stands. */
export function heapUsedBytes(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}
