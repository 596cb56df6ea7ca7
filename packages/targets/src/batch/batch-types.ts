import type { Observable } from 'rxjs';
import type { Content, Event } from '@ferrite/core';

/** What a batch needs of a runner: `run` as the `Runner` of `@ferrite/runner` has it. */
export interface BatchRunner {
  run(userId: string, sessionId: string, newMessage: Content): Observable<Event>;
}

/** One line of `results.jsonl`: how one row went. */
export interface BatchResult {
  /** 0-based row index in the dataset. */
  index: number;
  /** 1-based line of the row in the dataset file. */
  line: number;
  sessionId: string | null;
  input: string | null;
  /** Text of the last final response, or null. */
  output: string | null;
  /** Events the run emitted. */
  events: number;
  durationMs: number;
  error: { code: string; message: string } | null;
}

/** The content of `summary.json`. */
export interface BatchSummary {
  dataset: string;
  /** Rows in the dataset, malformed ones included. */
  total: number;
  succeeded: number;
  failed: number;
  /** Rows not run because the batch was cancelled. */
  skipped: number;
  /** succeeded / (succeeded + failed), 0 when nothing ran. */
  successRate: number;
  /** Median and 95th percentile (nearest rank) of `durationMs` over the rows that ran. */
  p50DurationMs: number;
  p95DurationMs: number;
  /** Wall time of the whole batch. */
  wallTimeMs: number;
  concurrency: number;
  cancelled: boolean;
  startedAt: string;
  finishedAt: string;
}

/** Progress reported after each row. */
export interface BatchProgress {
  done: number;
  total: number;
  succeeded: number;
  failed: number;
}
