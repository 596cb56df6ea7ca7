// Production artifact and memory backends.
//  1. Artifact save + load (latest) of 1 KB and 1 MB objects: S3ArtifactService against s3rver
//     (an S3-compatible server, in this process, over a temporary directory) versus
//     FileArtifactService on the same disk, measured in the same run. s3rver ignores
//     `If-None-Match`, so the S3 service runs its claim-marker version allocation here.
//  2. Memory: addSessionToMemory of a 500-event session and searchMemory, QdrantMemoryService
//     with HashingEmbedder against the Qdrant STAND-IN (test/src/qdrant/qdrant-stand-in.ts, a
//     protocol-compatible server in a child process with exact in-memory search, not Qdrant),
//     versus InMemoryMemoryService. The figures say what the service costs over HTTP, not what
//     a real Qdrant costs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createEvent, type ArtifactService, type Session } from '@ferrite/core';
import { FileArtifactService } from '@ferrite/artifact';
import { S3ArtifactService } from '@ferrite/artifact/s3';
import { HashingEmbedder, InMemoryMemoryService } from '@ferrite/memory';
import { QdrantMemoryService } from '@ferrite/memory/qdrant';
import { measure, ratio, report, type Measurement } from './harness.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const here = dirname(fileURLToPath(import.meta.url));
const workDir = await mkdtemp(join(tmpdir(), 'ferrite-bench-artifacts-'));
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
const s3rver = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: join(workDir, 's3rver'),
  configureBuckets: [{ name: 'bench' }],
});
const { port } = await s3rver.run();

const s3Config = {
  endpoint: `http://127.0.0.1:${port}`,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
};
const s3 = new S3ArtifactService({
  clientConfig: s3Config,
  bucket: 'bench',
  prefix: 'bench/',
});
const files = new FileArtifactService({ rootDir: join(workDir, 'files') });

/** Save one artifact then load it back (the latest version), a new filename per operation. */
function saveAndLoad(service: ArtifactService, bytes: number) {
  const data = randomBytes(bytes).toString('base64');
  return async (index: number) => {
    const where = {
      appName: 'bench',
      userId: 'u1',
      sessionId: 's1',
      filename: `f-${bytes}-${index}.bin`,
    };
    await service.saveArtifact({
      ...where,
      artifact: { inlineData: { mimeType: 'application/octet-stream', data } },
    });
    const loaded = await service.loadArtifact(where);
    if (loaded?.inlineData?.data.length !== data.length)
      throw new Error('artifact did not round-trip');
  };
}

const artifactRows: Measurement[] = [];
const ratios: Record<string, number> = {};
for (const [label, bytes, operations] of [
  ['1 KB', 1024, 200],
  ['1 MB', 1024 * 1024, 30],
] as const) {
  const file = await measure(`file save+load ${label}`, saveAndLoad(files, bytes), { operations });
  const viaS3 = await measure(`s3rver save+load ${label}`, saveAndLoad(s3, bytes), { operations });
  artifactRows.push(file, viaS3);
  ratios[`S3ArtifactService (s3rver) / FileArtifactService, ${label} (time per op)`] = ratio(
    viaS3,
    file,
  );
}
// The same store with conditional writes forced: unsafe on s3rver under concurrency (it ignores
// If-None-Match), but with one writer it shows what the claim markers cost on top.
const conditional = new S3ArtifactService({
  clientConfig: s3Config,
  bucket: 'bench',
  prefix: 'bench-conditional/',
  versionAllocation: 'conditional-write',
});
const conditionalRow = await measure(
  's3rver save+load 1 KB, conditional-write',
  saveAndLoad(conditional, 1024),
  { operations: 200 },
);
artifactRows.push(conditionalRow);
ratios['claim allocation / conditional-write allocation, 1 KB on s3rver'] = ratio(
  artifactRows[1]!,
  conditionalRow,
);
await conditional.close();
report('Artifacts: save + load', artifactRows, ratios);
console.log(`S3 version allocation in use: ${await s3.versionAllocation()}`);
await s3.close();
await s3rver.close();

// --- Memory -------------------------------------------------------------------------------

/** Starts the Qdrant stand-in in a child process and resolves with its URL. */
async function startStandIn(): Promise<{ url: string; stop(): void }> {
  const script = resolve(here, '../../../test/src/qdrant/qdrant-stand-in.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`Qdrant stand-in exited with ${code}`)));
    lines.once('line', resolveUrl);
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

let clock = 1_700_000_000_000;
const topics = ['weather', 'invoices', 'travel', 'recipes', 'football', 'gardening', 'music'];
function longSession(id: string): Session {
  const events = Array.from({ length: 500 }, (_, index) =>
    createEvent({
      author: index % 2 === 0 ? 'user' : 'assistant',
      invocationId: `inv-${index >> 1}`,
      timestamp: (clock += 1_000),
      content: {
        role: index % 2 === 0 ? 'user' : 'model',
        parts: [
          {
            text: `message ${index} about ${topics[index % topics.length]} and the plans for next week`,
          },
        ],
      },
    }),
  );
  return {
    id,
    appName: 'bench',
    userId: 'u1',
    state: {},
    events,
    lastUpdateTime: clock,
    revision: 500,
  };
}

const standIn = await startStandIn();
try {
  const qdrant = new QdrantMemoryService({
    url: standIn.url,
    collection: `bench_${randomBytes(4).toString('hex')}`,
    embedder: new HashingEmbedder(),
  });
  const inMemory = new InMemoryMemoryService();
  const search = { appName: 'bench', userId: 'u1', query: 'what was the weather like next week' };

  const addQdrant = await measure(
    'stand-in add 500-event session',
    (index) => qdrant.addSessionToMemory(longSession(`q${index}`)),
    { operations: 10, warmup: 2 },
  );
  const addMemory = await measure(
    'in-memory add 500-event session',
    (index) => inMemory.addSessionToMemory(longSession(`m${index}`)),
    { operations: 10, warmup: 2 },
  );
  const searchQdrant = await measure(
    'stand-in search (6,000 points)',
    () => qdrant.searchMemory(search),
    {
      operations: 200,
    },
  );
  const searchMemory = await measure(
    'in-memory search (6,000 entries)',
    () => inMemory.searchMemory(search),
    {
      operations: 200,
    },
  );
  report(
    'Memory (Qdrant figures are against the STAND-IN, not a real Qdrant)',
    [addQdrant, addMemory, searchQdrant, searchMemory],
    {
      'QdrantMemoryService (stand-in) / InMemoryMemoryService, add 500 events': ratio(
        addQdrant,
        addMemory,
      ),
      'QdrantMemoryService (stand-in) / InMemoryMemoryService, search': ratio(
        searchQdrant,
        searchMemory,
      ),
    },
  );
} finally {
  standIn.stop();
  await rm(workDir, { recursive: true, force: true });
}
