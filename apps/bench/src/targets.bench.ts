// Runner targets: turn latency of a ProcessAgent that keeps one process (`reuse: true`) versus
// one process per turn, through Runner + InMemorySessionService; and batch throughput at
// concurrency 1 versus 8, against an HTTP target with 20 ms of simulated latency and against
// a process started per row.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom } from 'rxjs';
import { userContent, type Agent } from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { HttpAgent, ProcessAgent, runBatch } from '@ferrite/targets';
import { measure, ratio, report } from './harness.js';

const TURNS = 200;
const ROWS = 200;
const PROCESS_ROWS = 80;
const LATENCY_MS = 20;
const echo = fileURLToPath(
  new URL('../../../packages/targets/src/process/fixtures/echo.mjs', import.meta.url),
);
const counter = fileURLToPath(
  new URL('../../../packages/targets/src/process/fixtures/counter.mjs', import.meta.url),
);

function runnerFor(agent: Agent): Runner {
  return new Runner({ appName: 'bench', agent, sessionService: new InMemorySessionService() });
}

// --- turn latency: reuse vs spawn per turn -------------------------------------------------
const reused = new ProcessAgent({
  name: 'reused',
  command: [process.execPath, counter],
  readyPattern: '^READY$',
  reuse: true,
});
const reusedRunner = runnerFor(reused);
const spawnRunner = runnerFor(
  new ProcessAgent({ name: 'spawned', command: [process.execPath, echo] }),
);
const turn = (runner: Runner) => (i: number) =>
  lastValueFrom(runner.run('u1', `s${i}`, userContent(`turn ${i}`)));

const reuseTurns = await measure('ProcessAgent reuse: true', turn(reusedRunner), {
  operations: TURNS,
  warmup: 10,
});
const spawnTurns = await measure('ProcessAgent spawn per turn', turn(spawnRunner), {
  operations: TURNS,
  warmup: 10,
});
await reused.close();
report(
  `ProcessAgent turn latency (${TURNS} turns, one session per turn)`,
  [reuseTurns, spawnTurns],
  {
    'spawn per turn / reuse (latency)': ratio(spawnTurns, reuseTurns),
  },
);

// --- batch throughput: concurrency 1 vs 8 --------------------------------------------------
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    const { input } = JSON.parse(body) as { input: string };
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ output: `echo: ${input}` }));
    }, LATENCY_MS);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`;
const dir = await mkdtemp(join(tmpdir(), 'ferrite-bench-batch-'));
const rows = (count: number): string =>
  Array.from({ length: count }, (_, i) => JSON.stringify({ input: `question ${i}` })).join('\n');
await writeFile(join(dir, 'rows.jsonl'), rows(ROWS));
await writeFile(join(dir, 'process-rows.jsonl'), rows(PROCESS_ROWS));

async function batch(
  name: string,
  agent: Agent,
  dataset: string,
  count: number,
  concurrency: number,
) {
  let run = 0;
  return measure(
    name,
    async () => {
      const summary = await runBatch({
        runner: runnerFor(agent),
        dataset: join(dir, dataset),
        concurrency,
        outputDir: join(dir, `out-${name.replace(/\W+/g, '-')}-${run++}`),
        progressBar: false,
      });
      if (summary.failed > 0) throw new Error(`${summary.failed} rows failed in ${name}`);
    },
    { operations: count, perCall: count, warmup: 0 },
  );
}

const http = new HttpAgent({ name: 'http', url, bodyTemplate: { input: '{{input}}' } });
const http1 = await batch('HTTP target, concurrency 1', http, 'rows.jsonl', ROWS, 1);
const http8 = await batch('HTTP target, concurrency 8', http, 'rows.jsonl', ROWS, 8);
const spawned = new ProcessAgent({ name: 'spawned', command: [process.execPath, echo] });
const process1 = await batch(
  'process per row, concurrency 1',
  spawned,
  'process-rows.jsonl',
  PROCESS_ROWS,
  1,
);
const process8 = await batch(
  'process per row, concurrency 8',
  spawned,
  'process-rows.jsonl',
  PROCESS_ROWS,
  8,
);
report(
  `runBatch throughput (rows/s; HTTP: ${ROWS} rows, ${LATENCY_MS} ms latency; process: ${PROCESS_ROWS} rows)`,
  [http1, http8, process1, process8],
  {
    'HTTP concurrency 8 / 1 (throughput)': http8.opsPerSecond / http1.opsPerSecond,
    'process concurrency 8 / 1 (throughput)': process8.opsPerSecond / process1.opsPerSecond,
  },
);

server.closeAllConnections();
await new Promise((resolve) => server.close(resolve));
await rm(dir, { recursive: true, force: true });
