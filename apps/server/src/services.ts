import type { ArtifactService, MemoryService, SessionService } from '@ferrite/core';
import type { ServerConfig } from './config.js';

/** The services of the server and how to release them. */
export interface ServerServices {
  /** PostgreSQL when `DATABASE_URL` is set, else in memory. */
  sessionService: SessionService;
  /** S3 when `S3_BUCKET` is set, else files under `ARTIFACTS_DIR`. */
  artifactService: ArtifactService;
  /** Qdrant when `QDRANT_URL` is set, else none. */
  memoryService: MemoryService | undefined;
  /** Closes the database pool and the S3 client the services created. */
  close(): Promise<void>;
}

/**
 * Builds the services the configuration names, falling back to the embedded ones. Drivers load
 * only when configured (each backend through its own subpath). The S3 artifact store is checked
 * here (`S3ArtifactService.verify`: the bucket exists, the version allocation is settled); a
 * failure closes what was built and rejects.
 */
export async function createServices(config: ServerConfig): Promise<ServerServices> {
  const closers: (() => Promise<void>)[] = [];
  let sessionService: SessionService;
  if (config.database) {
    const { PostgresSessionService } = await import('@ferrite/session/postgres');
    const service = new PostgresSessionService({
      connectionString: config.database.connectionString,
      ...(config.database.schema ? { schema: config.database.schema } : {}),
    });
    closers.push(() => service.close());
    sessionService = service;
  } else {
    const { InMemorySessionService } = await import('@ferrite/session');
    sessionService = new InMemorySessionService();
  }

  let artifactService: ArtifactService;
  if (config.s3) {
    const { S3ArtifactService } = await import('@ferrite/artifact/s3');
    const s3 = config.s3;
    const service = new S3ArtifactService({
      clientConfig: {
        region: s3.region,
        ...(s3.endpoint ? { endpoint: s3.endpoint, forcePathStyle: true } : {}),
        ...(s3.accessKeyId && s3.secretAccessKey
          ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
          : {}),
      },
      bucket: s3.bucket,
      ...(s3.prefix ? { prefix: s3.prefix } : {}),
      versionAllocation: s3.versionAllocation,
    });
    closers.push(() => service.close());
    try {
      // A missing bucket or a store that cannot be reached stops the start, not the first save.
      await service.verify();
    } catch (error) {
      for (const close of closers) await close().catch(() => undefined);
      throw error;
    }
    artifactService = service;
  } else {
    const { FileArtifactService } = await import('@ferrite/artifact');
    artifactService = new FileArtifactService({ rootDir: config.artifactsDir });
  }

  let memoryService: MemoryService | undefined;
  if (config.qdrant) {
    const { QdrantMemoryService } = await import('@ferrite/memory/qdrant');
    const memory = await import('@ferrite/memory');
    const embedder = config.embeddings
      ? new (await import('@ferrite/models')).OpenAIEmbedder({
          baseURL: config.embeddings.baseURL,
          model: config.embeddings.model,
          ...(config.embeddings.apiKey ? { apiKey: config.embeddings.apiKey } : {}),
        })
      : new memory.HashingEmbedder();
    memoryService = new QdrantMemoryService({
      url: config.qdrant.url,
      collection: config.qdrant.collection,
      embedder,
      ...(config.qdrant.apiKey ? { apiKey: config.qdrant.apiKey } : {}),
    });
  }

  return {
    sessionService,
    artifactService,
    memoryService,
    close: async () => {
      for (const close of closers) await close();
    },
  };
}
