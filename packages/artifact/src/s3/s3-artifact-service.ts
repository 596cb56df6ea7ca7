import { randomUUID } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import {
  InternalError,
  InvalidArgumentError,
  type ArtifactFileOptions,
  type ArtifactScope,
  type ArtifactService,
  type ArtifactVersion,
  type LoadArtifactOptions,
  type Part,
  type SaveArtifactOptions,
} from '@ferrite/core';
import { validateArtifactKey } from '../validation/artifact-request.js';
import { ClaimAllocator, contentionDelay, type VersionListing } from './claim-allocator.js';
import { artifactDirs, artifactPrefix, parseObjectKey } from './s3-keys.js';
import { S3ObjectStore } from './s3-object-store.js';
import {
  decodePart,
  encodePart,
  readDescription,
  toArtifactVersion,
  type EncodedPart,
} from './s3-part-codec.js';
import { s3StatusOf } from './s3-store-error.js';

/** How {@link S3ArtifactService} makes two concurrent saves get two different versions. */
export type S3VersionAllocation = 'auto' | 'conditional-write' | 'claim';

/** Configuration of an {@link S3ArtifactService}. */
export interface S3ArtifactServiceConfig {
  /** A client to use (not closed by the service); give this or `clientConfig`. */
  client?: S3Client;
  /** Configuration of a client the service creates and closes (`forcePathStyle` for local stores). */
  clientConfig?: S3ClientConfig;
  /** The bucket; it must exist. */
  bucket: string;
  /** Prepended to every key, e.g. `'ferrite/'` (default `''`). */
  prefix?: string;
  /**
   * `'conditional-write'`: `PutObject` with `If-None-Match: *`, retried on 412 (AWS S3, MinIO,
   * R2). `'claim'`: claim markers, for stores that ignore that header. `'auto'` (default)
   * probes the store once and picks one.
   */
  versionAllocation?: S3VersionAllocation;
  /** Objects of at least this many bytes upload in parts (default 8 MiB). */
  multipartThreshold?: number;
  /** Size of each part of a multipart upload (default 8 MiB, at least 5 MiB). */
  partSize?: number;
}

const MIB = 1024 * 1024;
const MAX_ATTEMPTS = 64;
const emptyObject: EncodedPart = {
  body: Buffer.alloc(0),
  contentType: 'application/octet-stream',
  metadata: {},
};

/**
 * Stores artifacts in an S3-compatible bucket as
 * `{prefix}{app}/{user}/{session | 'user'}/{filename}/{version}`, with the mime type and custom
 * metadata as object metadata.
 *
 * @example
 * ```ts
 * const artifacts = new S3ArtifactService({
 *   clientConfig: { region: 'us-east-1', endpoint: 'http://localhost:9000', forcePathStyle: true },
 *   bucket: 'artifacts',
 *   prefix: 'ferrite/',
 * });
 * const version = await artifacts.saveArtifact({ appName, userId, sessionId, filename: 'a.txt', artifact: { text: 'hi' } });
 * ```
 */
export class S3ArtifactService implements ArtifactService, AsyncDisposable {
  readonly #client: S3Client;
  readonly #ownsClient: boolean;
  readonly #store: S3ObjectStore;
  readonly #prefix: string;
  readonly #allocation: S3VersionAllocation;
  #resolvedAllocation: Promise<'conditional-write' | 'claim'> | undefined;

  constructor(config: S3ArtifactServiceConfig) {
    if ((config.client === undefined) === (config.clientConfig === undefined)) {
      throw new InvalidArgumentError(
        'S3ArtifactService needs exactly one of client or clientConfig',
      );
    }
    if (typeof config.bucket !== 'string' || config.bucket.length === 0) {
      throw new InvalidArgumentError('S3ArtifactService needs a bucket');
    }
    const allocation = config.versionAllocation ?? 'auto';
    if (!['auto', 'conditional-write', 'claim'].includes(allocation)) {
      throw new InvalidArgumentError(`unknown versionAllocation ${JSON.stringify(allocation)}`);
    }
    const partSize = Math.max(config.partSize ?? 8 * MIB, 5 * MIB);
    this.#client = config.client ?? new S3Client(config.clientConfig!);
    this.#ownsClient = config.client === undefined;
    this.#store = new S3ObjectStore({
      client: this.#client,
      bucket: config.bucket,
      partSize,
      multipartThreshold: Math.max(config.multipartThreshold ?? 8 * MIB, partSize),
    });
    this.#prefix = config.prefix ?? '';
    this.#allocation = allocation;
  }

  /** Stores a new version under the next free number and returns that number (0 for the first). */
  async saveArtifact(options: SaveArtifactOptions): Promise<number> {
    const filePrefix = artifactPrefix(this.#prefix, options);
    const encoded = encodePart(options.artifact, options.customMetadata, Date.now());
    if ((await this.versionAllocation()) === 'claim') {
      const allocator = new ClaimAllocator({
        filePrefix,
        list: (prefix) => this.#listVersions(prefix),
        listClaims: (prefix) => this.#store.keys(prefix),
        put: (key) => this.#store.put(key, emptyObject),
        exists: async (key) => (await this.#store.head(key)) !== undefined,
        remove: (key) => this.#store.delete(key),
      });
      return allocator.allocate((version) => this.#store.put(`${filePrefix}${version}`, encoded));
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { versions } = await this.#listVersions(filePrefix);
      const version = versions.length === 0 ? 0 : versions[versions.length - 1]! + 1;
      try {
        await this.#store.put(`${filePrefix}${version}`, encoded, true);
        return version;
      } catch (error) {
        if (!isTaken(error)) throw error;
        await contentionDelay(attempt);
      }
    }
    throw new InternalError(
      `S3 save of ${filePrefix} found no free version after ${MAX_ATTEMPTS} attempts`,
    );
  }

  /** The given version, or the latest; undefined when unknown. */
  async loadArtifact(options: LoadArtifactOptions): Promise<Part | undefined> {
    const target = await this.#versionKey(options);
    if (target === undefined) return undefined;
    const object = await this.#store.get(target.key);
    if (object === undefined) return undefined;
    const description = readDescription(object.metadata, object.contentType, object.lastModified);
    return decodePart(description, object.body);
  }

  /** What the object's metadata says of the given version (or the latest), from one `HeadObject`. */
  async getArtifactVersion(options: LoadArtifactOptions): Promise<ArtifactVersion | undefined> {
    const target = await this.#versionKey(options);
    if (target === undefined) return undefined;
    const head = await this.#store.head(target.key);
    if (head === undefined) return undefined;
    const description = readDescription(head.metadata, head.contentType, head.lastModified);
    return toArtifactVersion(target.version, description, head.contentLength);
  }

  /** Sorted, unique filenames of the session plus the user's `user:` names. */
  async listArtifactKeys(options: ArtifactScope): Promise<string[]> {
    const dirs = artifactDirs(this.#prefix, options);
    const names = new Set<string>();
    for await (const object of this.#store.objects(dirs.session)) {
      const parsed = parseObjectKey(dirs.session, object.Key ?? '');
      if (parsed?.type === 'version') names.add(parsed.filename);
    }
    // A session named `user` shares its directory with the user scope; others see only `user:` names.
    if (!dirs.sessionIsUserDir) {
      for await (const object of this.#store.objects(dirs.user)) {
        const parsed = parseObjectKey(dirs.user, object.Key ?? '');
        if (parsed?.type === 'version' && parsed.filename.startsWith('user:')) {
          names.add(parsed.filename);
        }
      }
    }
    return [...names].sort();
  }

  /** Version numbers, ascending; `[]` for an unknown name. */
  async listVersions(options: ArtifactFileOptions): Promise<number[]> {
    return (await this.#listVersions(artifactPrefix(this.#prefix, options))).versions;
  }

  /** Removes every version (and any claim marker) of the artifact. */
  async deleteArtifact(options: ArtifactFileOptions): Promise<void> {
    const filePrefix = artifactPrefix(this.#prefix, options);
    await this.#store.deleteMany(await this.#store.keys(filePrefix), filePrefix);
  }

  /**
   * The allocation in use; with `'auto'` the first call probes whether the store honours
   * `If-None-Match: *` on `PutObject` (writing and deleting one small object).
   */
  versionAllocation(): Promise<'conditional-write' | 'claim'> {
    if (this.#allocation !== 'auto') return Promise.resolve(this.#allocation);
    this.#resolvedAllocation ??= this.#probeConditionalWrites().catch((error: unknown) => {
      this.#resolvedAllocation = undefined;
      throw error;
    });
    return this.#resolvedAllocation;
  }

  /**
   * The start-up check: the bucket must exist and be reachable (`HeadBucket`), and the version
   * allocation is settled (with `'auto'` this runs the probe, which also proves write access).
   * A missing bucket is an `InvalidArgumentError` naming it; other failures are `InternalError`.
   * Returns the allocation in use.
   *
   * @example
   * ```ts
   * const artifacts = new S3ArtifactService({ clientConfig, bucket: 'artifacts' });
   * await artifacts.verify(); // fails here, not on the first save
   * ```
   */
  async verify(): Promise<'conditional-write' | 'claim'> {
    await this.#store.checkBucket();
    return this.versionAllocation();
  }

  /** Closes the client when the service created it. */
  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }

  /** Same as {@link S3ArtifactService.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Both probe writes carry `If-None-Match: *`, so a store that refuses the header (Swift: 501
   * NotImplemented, some others 400) is found on the first write, before anything is written
   * without it. A store that accepts the second write ignores the header (s3rver).
   */
  async #probeConditionalWrites(): Promise<'conditional-write' | 'claim'> {
    const key = `${this.#prefix}.ferrite-probe/${randomUUID()}`;
    try {
      await this.#store.put(key, emptyObject, true);
      await this.#store.put(key, emptyObject, true);
      return 'claim';
    } catch (error) {
      if (isTaken(error)) return 'conditional-write';
      if (isUnsupported(error)) return 'claim';
      throw error;
    } finally {
      await this.#store.delete(key).catch(() => undefined);
    }
  }

  async #versionKey(
    options: LoadArtifactOptions,
  ): Promise<{ key: string; version: number } | undefined> {
    const filePrefix = artifactPrefix(this.#prefix, options);
    validateArtifactKey(options.filename, options.version);
    if (options.version !== undefined) {
      return { key: `${filePrefix}${options.version}`, version: options.version };
    }
    const { versions } = await this.#listVersions(filePrefix);
    const latest = versions[versions.length - 1];
    return latest === undefined ? undefined : { key: `${filePrefix}${latest}`, version: latest };
  }

  async #listVersions(filePrefix: string): Promise<VersionListing> {
    const dir = filePrefix.slice(0, filePrefix.lastIndexOf('/', filePrefix.length - 2) + 1);
    const versions: number[] = [];
    const claims: VersionListing['claims'] = [];
    for await (const object of this.#store.objects(filePrefix)) {
      const parsed = parseObjectKey(dir, object.Key ?? '');
      if (parsed?.type === 'version') versions.push(parsed.version);
      else if (parsed?.type === 'claim') {
        const lastModified = object.LastModified?.getTime() ?? 0;
        claims.push({ version: parsed.version, claimId: parsed.claimId, lastModified });
      }
    }
    versions.sort((a, b) => a - b);
    return { versions, claims };
  }
}

/** True when the store refused `If-None-Match` itself: 501 NotImplemented or 400. */
function isUnsupported(error: unknown): boolean {
  const status = s3StatusOf((error as { cause?: unknown }).cause);
  return status === 501 || status === 400;
}

/** True when a conditional write failed because the key was taken (412) or being taken (409). */
function isTaken(error: unknown): boolean {
  const status = s3StatusOf((error as { cause?: unknown }).cause);
  return status === 412 || status === 409;
}
