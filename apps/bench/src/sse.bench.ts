// SSE delivery: 100 concurrent clients each receive a 200-event run over POST /run_sse from the
// Ferrite handler (node adapter, Runner, in-memory session), against a bare node:http server in
// the same process that writes the same frames. Reports events per second delivered and time to
// first event, with Ferrite's figures as ratios of the bare server's. Clients and servers share
// the process, so its CPU time per delivered event is also reported: other processes on a busy
// machine stretch wall time but not that.
import { createServer, request, Agent as HttpAgent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createEvent, type Agent, type Event } from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import { createHandler, serve } from '@ferrite/server';
import { InMemorySessionService } from '@ferrite/session';
import { report, type Measurement } from './harness.js';

const CLIENTS = 100;
const EVENTS = 200;
const ROUNDS = 5;

function chunkEvent(i: number, author: string, invocationId: string): Event {
  return createEvent({
    invocationId,
    author,
    partial: i < EVENTS - 1,
    content: { role: 'model', parts: [{ text: `token ${i} ` }] },
  });
}

const agent: Agent = {
  name: 'streamer',
  description: 'yields 200 events',
  subAgents: [],
  async *run() {
    for (let i = 0; i < EVENTS; i++) yield chunkEvent(i, 'streamer', '');
  },
};

function frameOf(event: Event): string {
  const data = JSON.stringify(event);
  return event.partial ? `data: ${data}\n\n` : `id: ${event.id}\ndata: ${data}\n\n`;
}

/** The baseline: reads the body, then writes 200 frames like the ones Ferrite sends, with back-pressure. */
function bareServer(): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      });
      res.flushHeaders();
      const invocationId = crypto.randomUUID();
      let i = 0;
      const pump = (): void => {
        while (i < EVENTS) {
          const ok = res.write(frameOf(chunkEvent(i++, 'streamer', invocationId)));
          if (!ok) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
  });
}

interface ClientResult {
  firstEventMs: number;
  events: number;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: CLIENTS * 2 });

function client(port: number, sessionId: string): Promise<ClientResult> {
  const body = JSON.stringify({
    appName: 'bench',
    userId: 'u',
    sessionId,
    newMessage: { role: 'user', parts: [{ text: 'go' }] },
    streaming: true,
  });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/run_sse',
        method: 'POST',
        agent: httpAgent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let firstEventMs = -1;
        let events = 0;
        let tail = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const frames = (tail + text).split('\n\n');
          tail = frames.pop() ?? '';
          for (const frame of frames) {
            if (!frame.includes('data: ')) continue;
            if (firstEventMs < 0) firstEventMs = performance.now() - started;
            events++;
          }
        });
        res.on('end', () => resolve({ firstEventMs, events }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function round(
  port: number,
  label: string,
  index: number,
): Promise<{ ms: number; cpuMs: number; results: ClientResult[] }> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => client(port, `s${index + 1}-${i}`)),
  );
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  for (const result of results) {
    if (result.events !== EVENTS) throw new Error(`${label}: a client got ${result.events} events`);
  }
  return { ms, cpuMs, results };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Sample {
  throughput: Measurement;
  firstEvent: Measurement;
  cpu: Measurement;
}

/** The best round of each figure: load from other processes only ever makes a round slower. */
function summarize(label: string, times: number[], firsts: number[], cpus: number[]): Sample {
  const totalMs = Math.min(...times);
  const operations = CLIENTS * EVENTS;
  const firstMs = Math.min(...firsts);
  const cpuMs = Math.min(...cpus);
  return {
    cpu: {
      name: `${label}: CPU time per event`,
      operations,
      totalMs: cpuMs,
      microsPerOp: (cpuMs * 1000) / operations,
      opsPerSecond: operations / (cpuMs / 1000),
    },
    throughput: {
      name: `${label}: events delivered`,
      operations,
      totalMs,
      microsPerOp: (totalMs * 1000) / operations,
      opsPerSecond: operations / (totalMs / 1000),
    },
    firstEvent: {
      name: `${label}: time to first event (median)`,
      operations: 1,
      totalMs: firstMs,
      microsPerOp: firstMs * 1000,
      opsPerSecond: 1000 / firstMs,
    },
  };
}

/** Alternates rounds of both servers (so machine load affects both alike) and keeps the best. */
async function compare(ports: Record<string, number>): Promise<Record<string, Sample>> {
  const times: Record<string, number[]> = {};
  const firsts: Record<string, number[]> = {};
  const cpus: Record<string, number[]> = {};
  for (const [label, port] of Object.entries(ports)) {
    await round(port, label, -1); // warm-up
    times[label] = [];
    firsts[label] = [];
    cpus[label] = [];
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [label, port] of Object.entries(ports)) {
      const { ms, cpuMs, results } = await round(port, label, r);
      times[label]!.push(ms);
      cpus[label]!.push(cpuMs);
      firsts[label]!.push(median(results.map((result) => result.firstEventMs)));
    }
  }
  return Object.fromEntries(
    Object.keys(ports).map((label) => [
      label,
      summarize(label, times[label]!, firsts[label]!, cpus[label]!),
    ]),
  );
}

const runner = new Runner({
  appName: 'bench',
  agent,
  sessionService: new InMemorySessionService(),
});
const ferrite = await serve({ handler: createHandler({ apps: runner }), port: 0 });
const bare = bareServer();
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const barePort = (bare.address() as AddressInfo).port;
// Both servers keep idle client sockets between rounds (the default 5 s can expire under load).
bare.keepAliveTimeout = 60_000;
ferrite.server.keepAliveTimeout = 60_000;

try {
  const samples = await compare({ 'bare node:http': barePort, 'ferrite handler': ferrite.port });
  const baseline = samples['bare node:http']!;
  const measured = samples['ferrite handler']!;
  report(
    `SSE: ${CLIENTS} concurrent clients × ${EVENTS}-event runs (best of ${ROUNDS} alternating rounds)`,
    [baseline.throughput, measured.throughput, baseline.cpu, measured.cpu],
    {
      'ferrite/bare events per second (goal ≥ 0.5)':
        measured.throughput.opsPerSecond / baseline.throughput.opsPerSecond,
      'ferrite/bare events per CPU second': measured.cpu.opsPerSecond / baseline.cpu.opsPerSecond,
      'bare/ferrite time to first event (1 = as fast)':
        baseline.firstEvent.totalMs / measured.firstEvent.totalMs,
    },
  );
  console.log(
    `time to first event (median client of the best round, ms): bare ${baseline.firstEvent.totalMs.toFixed(1)}, ` +
      `ferrite ${measured.firstEvent.totalMs.toFixed(1)}`,
  );
} finally {
  httpAgent.destroy();
  await ferrite.close();
  await new Promise((resolve) => bare.close(resolve));
}
