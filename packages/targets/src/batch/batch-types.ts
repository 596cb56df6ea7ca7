import type { Observable } from 'rxjs';
import type { Content, Event } from '@ferrite/core';

/** What a batch needs of a runner: `run` as the `Runner` of `@ferrite/runner` has it. */
export interface BatchRunner {
  /** Starts one run of `newMessage` on a session; the batch subscribes and counts the events. */
  run(userId: string, sessionId: string, newMessage: Content): Observable<Event>;
}

/** One line of `results.jsonl`: how one row went. */
export interface BatchResult {
  /** 0-based row index in the dataset. */
  index: number;
  /** 1-based line of the row in the dataset file. */
  line: number;
  /** The session the row ran in; null for a malformed row, which never ran. */
  sessionId: string | null;
  /** The text sent; null for a malformed row. */
  input: string | null;
  /** Text of the last final response, or null. */
  output: string | null;
  /** Events the run emitted. */
  events: number;
  /** Milliseconds from starting the run to its end (0 for a malformed row). */
  durationMs: number;
  /**
   * Why the row failed, or null: the Ferrite error `code` (`target.error`, `run.timeout`…,
   * `cancelled`), its message, and for a `TargetError` the code the target reported.
   */
  error: { code: string; message: string; targetCode?: string } | null;
}

/** The content of `summary.json`. */
export interface BatchSummary {
  /** The dataset path as given. */
  dataset: string;
  /** Rows in the dataset, malformed ones included. */
  total: number;
  /** Rows whose run completed without error. */
  succeeded: number;
  /** Rows that failed or were malformed. */
  failed: number;
  /** Rows not run because the batch was cancelled. */
  skipped: number;
  /** succeeded / (succeeded + failed), 0 when nothing ran. */
  successRate: number;
  /** Median (nearest rank) of `durationMs` over the rows that ran. */
  p50DurationMs: number;
  /** 95th percentile (nearest rank) of `durationMs` over the rows that ran. */
  p95DurationMs: number;
  /** Wall time of the whole batch. */
  wallTimeMs: number;
  /** Rows run at once. */
  concurrency: number;
  /** True when the batch was stopped through its signal. */
  cancelled: boolean;
  /** When the batch started, as an ISO 8601 date. */
  startedAt: string;
  /** When the batch finished, as an ISO 8601 date. */
  finishedAt: string;
}

/** Progress reported after each row. */
export interface BatchProgress {
  /** Rows finished so far. */
  done: number;
  /** Rows in the dataset. */
  total: number;
  /** Rows finished without error so far. */
  succeeded: number;
  /** Rows failed so far. */
  failed: number;
}
