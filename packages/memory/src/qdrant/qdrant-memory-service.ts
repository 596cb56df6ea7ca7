import { QdrantClient } from '@qdrant/js-client-rest';
import {
  FerriteError,
  InternalError,
  InvalidArgumentError,
  validateName,
  type Content,
  type Embedder,
  type MemoryEntry,
  type MemoryService,
  type SearchMemoryOptions,
  type SearchMemoryResult,
  type Session,
} from '@ferrite/core';
import { memoryTextOf } from '../text/memory-text.js';
import { memoryPointId } from './memory-point-id.js';
import { qdrantError, qdrantStatusOf } from './qdrant-store-error.js';

/** Configuration of a {@link QdrantMemoryService}. */
export interface QdrantMemoryServiceConfig {
  /** A client to use; give this or `url`. Build it with `checkCompatibility: false` to skip its `GET /`. */
  client?: QdrantClient;
  /** Qdrant's REST URL, e.g. `http://localhost:6333`. */
  url?: string;
  /** Sent as the `api-key` header (with `url`). */
  apiKey?: string;
  /** Collection name; created on first use (vector size = `embedder.dimensions`, Cosine). */
  collection: string;
  /** Turns event text and queries into vectors; its `dimensions` sizes the collection. */
  embedder: Embedder;
  /** Results scoring below this (cosine similarity, -1..1) are dropped. */
  scoreThreshold?: number;
  /** Texts per `embedder.embed` call (default 64). */
  embedBatchSize?: number;
  /** Points per upsert request (default 256). */
  upsertBatchSize?: number;
  /**
   * Largest upsert request body, in bytes, as estimated before sending (default 16 MiB, half of
   * Qdrant's default 32 MiB `max_request_size_mb`); a point larger on its own goes alone.
   */
  upsertMaxBytes?: number;
}

/** Payload stored with each point. */
interface MemoryPayload {
  appName: string;
  userId: string;
  sessionId: string;
  eventId: string;
  author: string;
  timestamp: number;
  content: Content;
  text: string;
}

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 10_000;
const INDEXED_FIELDS = ['appName', 'userId'] as const;
/** Upper bound of the JSON of one vector component (`-0.012345678901234567,` and the like). */
const BYTES_PER_COMPONENT = 25;
/** Upper bound of the JSON around a point: id, keys, braces. */
const BYTES_PER_POINT = 96;

/**
 * A {@link MemoryService} over a Qdrant collection: one point per text event (id derived from
 * app, user, session and event id, so re-adding is an upsert), searched by vector similarity
 * within one app and user.
 *
 * @example
 * ```ts
 * const memory = new QdrantMemoryService({
 *   url: 'http://localhost:6333',
 *   collection: 'ferrite_memory',
 *   embedder: new HashingEmbedder(),
 * });
 * await memory.addSessionToMemory(session);
 * const { memories } = await memory.searchMemory({ appName, userId, query: 'what did we decide?' });
 * ```
 */
export class QdrantMemoryService implements MemoryService {
  readonly #client: QdrantClient;
  readonly #collection: string;
  readonly #embedder: Embedder;
  readonly #scoreThreshold: number | undefined;
  readonly #embedBatchSize: number;
  readonly #upsertBatchSize: number;
  readonly #upsertMaxBytes: number;
  #ready: Promise<void> | undefined;

  constructor(config: QdrantMemoryServiceConfig) {
    if ((config.client === undefined) === (config.url === undefined)) {
      throw new InvalidArgumentError('QdrantMemoryService needs exactly one of client or url');
    }
    if (typeof config.collection !== 'string' || !/^[^/\\\0]{1,255}$/.test(config.collection)) {
      throw new InvalidArgumentError(
        'QdrantMemoryService needs a collection name (1-255 characters, no slashes)',
      );
    }
    const dimensions = config.embedder?.dimensions;
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new InvalidArgumentError(
        'QdrantMemoryService needs an embedder with positive integer dimensions',
      );
    }
    if (config.scoreThreshold !== undefined && !Number.isFinite(config.scoreThreshold)) {
      throw new InvalidArgumentError('scoreThreshold must be a finite number');
    }
    this.#embedBatchSize = positive(config.embedBatchSize, 64, 'embedBatchSize');
    this.#upsertBatchSize = positive(config.upsertBatchSize, 256, 'upsertBatchSize');
    this.#upsertMaxBytes = positive(config.upsertMaxBytes, 16 * 1024 * 1024, 'upsertMaxBytes');
    this.#client =
      config.client ??
      new QdrantClient({
        url: config.url,
        checkCompatibility: false,
        ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
      });
    this.#collection = config.collection;
    this.#embedder = config.embedder;
    this.#scoreThreshold = config.scoreThreshold;
  }

  /**
   * Embeds the session's text events and upserts them, in batches bounded both by point count
   * and by request size.
   */
  async addSessionToMemory(session: Session): Promise<void> {
    const appName = validateName('appName', session.appName);
    const userId = validateName('userId', session.userId);
    const sessionId = validateName('sessionId', session.id);
    const remembered: MemoryPayload[] = [];
    for (const event of session.events) {
      const text = memoryTextOf(event);
      if (text === undefined || !event.content) continue;
      remembered.push({
        appName,
        userId,
        sessionId,
        eventId: event.id,
        author: event.author,
        timestamp: event.timestamp,
        content: structuredClone(event.content),
        text,
      });
    }
    if (remembered.length === 0) return;
    await this.#ensureCollection();
    for (const batch of this.#upsertBatches(remembered)) {
      const vectors: number[][] = [];
      for (let offset = 0; offset < batch.length; offset += this.#embedBatchSize) {
        const texts = batch
          .slice(offset, offset + this.#embedBatchSize)
          .map((payload) => payload.text);
        vectors.push(...(await this.#embed(texts)));
      }
      const points = batch.map((payload, index) => ({
        id: memoryPointId(appName, userId, sessionId, payload.eventId),
        vector: vectors[index]!,
        payload: { ...payload },
      }));
      try {
        await this.#client.upsert(this.#collection, { wait: true, points });
      } catch (error) {
        throw qdrantError('upsert', this.#collection, error);
      }
    }
  }

  /** The most similar remembered events of one app and user, best first. */
  async searchMemory(options: SearchMemoryOptions): Promise<SearchMemoryResult> {
    const appName = validateName('appName', options.appName);
    const userId = validateName('userId', options.userId);
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidArgumentError(
        `limit must be an integer from 1 to ${MAX_LIMIT}, got ${String(limit)}`,
      );
    }
    if (typeof options.query !== 'string') throw new InvalidArgumentError('query must be a string');
    options.signal?.throwIfAborted();
    if (options.query.trim() === '') return { memories: [] };
    const [vector] = await this.#embed([options.query], options.signal);
    // A zero vector (a query without words) points nowhere: nothing is similar to it.
    if (vector!.every((value) => value === 0)) return { memories: [] };
    await this.#ensureCollection();
    options.signal?.throwIfAborted();
    let points;
    try {
      const response = await this.#client.query(this.#collection, {
        query: vector!,
        filter: {
          must: [
            { key: 'appName', match: { value: appName } },
            { key: 'userId', match: { value: userId } },
          ],
        },
        limit,
        with_payload: true,
        ...(this.#scoreThreshold === undefined ? {} : { score_threshold: this.#scoreThreshold }),
      });
      points = response.points;
    } catch (error) {
      throw qdrantError('query', this.#collection, error);
    }
    options.signal?.throwIfAborted();
    const memories: MemoryEntry[] = [];
    for (const point of points) {
      const payload = point.payload as Partial<MemoryPayload> | null | undefined;
      if (!payload?.content) continue;
      memories.push({
        id: `${payload.sessionId}/${payload.eventId}`,
        content: payload.content,
        ...(payload.author === undefined ? {} : { author: payload.author }),
        ...(payload.timestamp === undefined ? {} : { timestamp: payload.timestamp }),
        score: point.score,
      });
    }
    return { memories };
  }

  /**
   * Splits the payloads into upsert requests of at most `upsertBatchSize` points and, by an
   * upper-bound estimate of their JSON, at most `upsertMaxBytes` bytes.
   */
  #upsertBatches(payloads: MemoryPayload[]): MemoryPayload[][] {
    const vectorBytes = this.#embedder.dimensions * BYTES_PER_COMPONENT + BYTES_PER_POINT;
    const batches: MemoryPayload[][] = [];
    let batch: MemoryPayload[] = [];
    let bytes = 0;
    for (const payload of payloads) {
      const size = Buffer.byteLength(JSON.stringify(payload), 'utf8') + vectorBytes;
      if (
        batch.length > 0 &&
        (batch.length >= this.#upsertBatchSize || bytes + size > this.#upsertMaxBytes)
      ) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(payload);
      bytes += size;
    }
    if (batch.length > 0) batches.push(batch);
    return batches;
  }

  /** Creates the collection and its payload indexes unless they exist (safe to race). */
  #ensureCollection(): Promise<void> {
    this.#ready ??= this.#createCollection().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #createCollection(): Promise<void> {
    const collection = this.#collection;
    const dimensions = this.#embedder.dimensions;
    try {
      const { exists } = await this.#client.collectionExists(collection);
      if (exists) {
        const info = await this.#client.getCollection(collection);
        const vectors = info.config.params.vectors as { size?: number } | undefined;
        if (vectors?.size !== undefined && vectors.size !== dimensions) {
          throw new InvalidArgumentError(
            `Qdrant collection "${collection}" holds vectors of size ${vectors.size} but the embedder makes ${dimensions}`,
          );
        }
        const schema = info.payload_schema ?? {};
        if (INDEXED_FIELDS.every((field) => schema[field] !== undefined)) return;
      } else {
        try {
          await this.#client.createCollection(collection, {
            vectors: { size: dimensions, distance: 'Cosine' },
          });
        } catch (error) {
          // Another process created it first: Qdrant answers 409 (400 before 1.9).
          const status = qdrantStatusOf(error);
          if (status !== 409 && status !== 400) throw error;
          const { exists: nowExists } = await this.#client.collectionExists(collection);
          if (!nowExists) throw error;
        }
      }
      for (const field of INDEXED_FIELDS) {
        await this.#client.createPayloadIndex(collection, {
          field_name: field,
          field_schema: 'keyword',
          wait: true,
        });
      }
    } catch (error) {
      throw qdrantError('collection setup', collection, error);
    }
  }

  async #embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    let vectors: number[][];
    try {
      vectors = await this.#embedder.embed(texts, signal === undefined ? {} : { signal });
    } catch (error) {
      if (FerriteError.isInstance(error) || signal?.aborted) throw error;
      throw new InternalError('embedder failed', { cause: error });
    }
    if (
      vectors.length !== texts.length ||
      vectors.some((vector) => vector.length !== this.#embedder.dimensions)
    ) {
      throw new InternalError(
        `embedder returned ${vectors.length} vectors for ${texts.length} texts, or vectors not of size ${this.#embedder.dimensions}`,
      );
    }
    return vectors;
  }
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`${field} must be a positive integer`);
  return value;
}
