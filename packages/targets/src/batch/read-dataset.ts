import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse, type CsvError } from 'csv-parse';
import { InvalidArgumentError } from '@ferrite/core';

/** The formats {@link readDataset} reads. */
export type DatasetFormat = 'jsonl' | 'csv';

/** One row of a dataset: its values, or why it could not be read. */
export interface DatasetRow {
  /** 0-based position among the dataset's rows. */
  index: number;
  /** 1-based line in the file where the row ends. */
  line: number;
  /** The row's fields (JSONL keys or CSV columns); absent when the row is malformed. */
  values?: Record<string, unknown>;
  /** Set when the row is malformed; the batch records it as failed. */
  error?: string;
}

/** The dataset format implied by a file name (`.jsonl`/`.ndjson` or `.csv`), or undefined. */
function datasetFormatOf(path: string): DatasetFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.csv') return 'csv';
  return undefined;
}

/**
 * Reads every row of a JSONL file (one JSON object per line; blank lines skipped) or a CSV file
 * with a header row (quoted fields, embedded newlines, a BOM). Malformed rows come back with
 * `error` set and their line number, so the batch can record them and go on.
 */
export async function readDataset(path: string, format?: DatasetFormat): Promise<DatasetRow[]> {
  const resolved = format ?? datasetFormatOf(path);
  if (resolved === undefined) {
    throw new InvalidArgumentError(
      `cannot tell the format of dataset ${JSON.stringify(path)}: name it .jsonl or .csv, or pass format`,
    );
  }
  try {
    await access(path);
  } catch (error) {
    throw new InvalidArgumentError(`dataset ${JSON.stringify(path)} cannot be read`, {
      cause: error,
    });
  }
  const rows = resolved === 'jsonl' ? await readJsonl(path) : await readCsv(path);
  rows.sort((a, b) => a.line - b.line);
  rows.forEach((row, index) => (row.index = index));
  return rows;
}

async function readJsonl(path: string): Promise<DatasetRow[]> {
  const rows: DatasetRow[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      rows.push({
        index: 0,
        line,
        error: `line ${line} is not valid JSON: ${(error as Error).message}`,
      });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      rows.push({ index: 0, line, error: `line ${line} is not a JSON object` });
      continue;
    }
    rows.push({ index: 0, line, values: value as Record<string, unknown> });
  }
  return rows;
}

async function readCsv(path: string): Promise<DatasetRow[]> {
  const rows: DatasetRow[] = [];
  const parser = createReadStream(path).pipe(
    parse({
      columns: true,
      bom: true,
      skip_empty_lines: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        const line = Number((error as { lines?: unknown } | undefined)?.lines ?? 0);
        rows.push({
          index: 0,
          line,
          error: `line ${line}: ${error?.message ?? 'malformed CSV record'}`,
        });
        return undefined;
      },
    }),
  );
  try {
    for await (const entry of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      rows.push({ index: 0, line: entry.info.lines, values: entry.record });
    }
  } catch (error) {
    throw new InvalidArgumentError(
      `dataset ${JSON.stringify(path)} is not valid CSV: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return rows;
}
