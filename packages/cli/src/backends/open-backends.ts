import { resolve } from 'node:path';
import type { ArtifactService, MemoryService, SessionService } from '@ferrite/core';
import type { ReadinessCheck } from '@ferrite/server';
import type { CliSettings } from '../config/read-settings.js';
import type { SettingKey } from '../config/setting-names.js';

/** The stores `ferrite` runs on, their readiness checks, and how to release them. */
export interface Backends {
  readonly sessionService: SessionService;
  readonly artifactService: ArtifactService;
  readonly memoryService: MemoryService | undefined;
  /** One check per remote backend, for `/ready`. */
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  /** Ends the pools and clients that were opened. */
  close(): Promise<void>;
}

/** A backend that failed its start-up check; names the setting that chose it. */
export class StartupCheckError extends Error {
  constructor(
    message: string,
    /** The setting as the user gave it (`--sessions`, `DATABASE_URL`…). */
    readonly setting: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A probe user for checks that need a scope; no data is written under it. */
const PROBE = { appName: 'ferrite-ready', userId: 'ferrite-ready' } as const;

/**
 * Opens the backends the settings name, loading each driver only when it is used, and checks
 * each remote one once (database reachable and migrated, bucket present and writable, memory
 * collection creatable), each within `checkTimeoutMs`. A failure closes what was opened and
 * rejects with a {@link StartupCheckError}.
 */
export async function openBackends(settings: CliSettings, cwd: string): Promise<Backends> {
  const closers: (() => Promise<void>)[] = [];
  const checks: Record<string, ReadinessCheck> = {};
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  const startupCheck = async (
    key: SettingKey,
    what: string,
    check: () => Promise<unknown>,
  ): Promise<void> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`${what} did not answer within ${settings.checkTimeoutMs} ms`)),
            settings.checkTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      await close();
      throw new StartupCheckError((error as Error).message, settings.sourceOf(key), {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  };

  let sessionService: SessionService;
  if (settings.sessions.kind === 'postgres') {
    const { PostgresSessionService } = await import('@ferrite/session/postgres');
    const service = new PostgresSessionService({
      connectionString: settings.sessions.connectionString,
      ...(settings.sessions.schema ? { schema: settings.sessions.schema } : {}),
    });
    closers.push(() => service.close());
    await startupCheck('sessions', 'PostgreSQL', () => service.migrate());
    // One indexed read: the database answers and the tables are there.
    checks.sessions = async () => void (await service.getSession({ ...PROBE, sessionId: 'probe' }));
    sessionService = service;
  } else {
    const { InMemorySessionService } = await import('@ferrite/session');
    sessionService = new InMemorySessionService();
  }

  let artifactService: ArtifactService;
  const artifacts = settings.artifacts;
  if (artifacts.kind === 's3') {
    const { S3ArtifactService } = await import('@ferrite/artifact/s3');
    const service = new S3ArtifactService({
      clientConfig: {
        region: artifacts.region,
        ...(artifacts.endpoint ? { endpoint: artifacts.endpoint, forcePathStyle: true } : {}),
        ...(artifacts.accessKeyId && artifacts.secretAccessKey
          ? {
              credentials: {
                accessKeyId: artifacts.accessKeyId,
                secretAccessKey: artifacts.secretAccessKey,
              },
            }
          : {}),
      },
      bucket: artifacts.bucket,
      ...(artifacts.prefix ? { prefix: artifacts.prefix } : {}),
      versionAllocation: artifacts.versionAllocation,
    });
    closers.push(() => service.close());
    const key = settings.givenAs('artifacts', 's3Bucket');
    await startupCheck(key, 'S3', () => service.verify());
    checks.artifacts = async () =>
      void (await service.listArtifactKeys({ ...PROBE, sessionId: 'probe' }));
    artifactService = service;
  } else if (artifacts.kind === 'file') {
    const { FileArtifactService } = await import('@ferrite/artifact');
    artifactService = new FileArtifactService({ rootDir: resolve(cwd, artifacts.dir) });
  } else {
    const { InMemoryArtifactService } = await import('@ferrite/artifact');
    artifactService = new InMemoryArtifactService();
  }

  let memoryService: MemoryService | undefined;
  const memory = settings.memory;
  if (memory.kind === 'qdrant') {
    const { QdrantMemoryService } = await import('@ferrite/memory/qdrant');
    const embedder = settings.embeddings
      ? new (await import('@ferrite/models')).OpenAIEmbedder({
          baseURL: settings.embeddings.baseURL,
          model: settings.embeddings.model,
          ...(settings.embeddings.apiKey ? { apiKey: settings.embeddings.apiKey } : {}),
        })
      : new (await import('@ferrite/memory')).HashingEmbedder();
    const service = new QdrantMemoryService({
      url: memory.url,
      collection: memory.collection,
      embedder,
      ...(memory.apiKey ? { apiKey: memory.apiKey } : {}),
    });
    // A search creates the collection and its indexes when missing, then reads nothing.
    const probe = (): Promise<unknown> =>
      service.searchMemory({ ...PROBE, query: 'ready', limit: 1 });
    const key = settings.givenAs('memory', 'qdrantUrl');
    await startupCheck(key, 'Qdrant', probe);
    checks.memory = async () => void (await probe());
    memoryService = service;
  } else if (memory.kind === 'memory') {
    const { InMemoryMemoryService } = await import('@ferrite/memory');
    memoryService = new InMemoryMemoryService();
  }

  return { sessionService, artifactService, memoryService, checks, close };
}
