import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
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
import { artifactDirs, artifactPrefix, parseObjectKey } from './s3-keys.js';
import {
  decodePart,
  encodePart,
  readDescription,
  toArtifactVersion,
  type EncodedPart,
} from './s3-part-codec.js';
import { isNotFound, statusOf, storeError } from './s3-store-error.js';
import { ClaimAllocator, contentionDelay, type VersionListing } from './claim-allocator.js';

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
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #multipartThreshold: number;
  readonly #partSize: number;
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
    this.#partSize = Math.max(config.partSize ?? 8 * MIB, 5 * MIB);
    this.#multipartThreshold = Math.max(config.multipartThreshold ?? 8 * MIB, this.#partSize);
    this.#client = config.client ?? new S3Client(config.clientConfig!);
    this.#ownsClient = config.client === undefined;
    this.#bucket = config.bucket;
    this.#prefix = config.prefix ?? '';
    this.#allocation = allocation;
  }

  async saveArtifact(options: SaveArtifactOptions): Promise<number> {
    const filePrefix = artifactPrefix(this.#prefix, options);
    const encoded = encodePart(options.artifact, options.customMetadata, Date.now());
    const allocation = await this.versionAllocation();
    if (allocation === 'claim') {
      const allocator = new ClaimAllocator({
        filePrefix,
        list: (prefix) => this.#listVersions(prefix),
        listClaims: (prefix) => this.#listKeys(prefix),
        put: (key) => this.#put(key, emptyObject, false),
        exists: (key) => this.#exists(key),
        remove: (key) => this.#delete(key),
      });
      return allocator.allocate((version) => this.#put(`${filePrefix}${version}`, encoded, false));
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { versions } = await this.#listVersions(filePrefix);
      const version = versions.length === 0 ? 0 : versions[versions.length - 1]! + 1;
      try {
        await this.#put(`${filePrefix}${version}`, encoded, true);
        return version;
      } catch (error) {
        const status = statusOf((error as { cause?: unknown }).cause);
        if (status !== 412 && status !== 409) throw error;
        await contentionDelay(attempt);
      }
    }
    throw new InternalError(
      `S3 save of ${filePrefix} found no free version after ${MAX_ATTEMPTS} attempts`,
    );
  }

  async loadArtifact(options: LoadArtifactOptions): Promise<Part | undefined> {
    const key = await this.#versionKey(options);
    if (key === undefined) return undefined;
    let response;
    try {
      response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key.key }),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError('GetObject', this.#bucket, key.key, error);
    }
    const description = readDescription(
      response.Metadata,
      response.ContentType,
      response.LastModified,
    );
    try {
      const body = await readBody(
        response.Body as AsyncIterable<Uint8Array> | undefined,
        response.ContentLength,
      );
      return decodePart(description, body);
    } catch (error) {
      throw storeError('GetObject', this.#bucket, key.key, error);
    }
  }

  async getArtifactVersion(options: LoadArtifactOptions): Promise<ArtifactVersion | undefined> {
    const key = await this.#versionKey(options);
    if (key === undefined) return undefined;
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key.key }),
      );
      const description = readDescription(head.Metadata, head.ContentType, head.LastModified);
      return toArtifactVersion(key.version, description, head.ContentLength ?? 0);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError('HeadObject', this.#bucket, key.key, error);
    }
  }

  async listArtifactKeys(options: ArtifactScope): Promise<string[]> {
    const dirs = artifactDirs(this.#prefix, options);
    const names = new Set<string>();
    for await (const object of this.#objects(dirs.session)) {
      const parsed = parseObjectKey(dirs.session, object.Key ?? '');
      if (parsed?.type === 'version') names.add(parsed.filename);
    }
    // A session named `user` shares its directory with the user scope; others see only `user:` names.
    if (!dirs.sessionIsUserDir) {
      for await (const object of this.#objects(dirs.user)) {
        const parsed = parseObjectKey(dirs.user, object.Key ?? '');
        if (parsed?.type === 'version' && parsed.filename.startsWith('user:'))
          names.add(parsed.filename);
      }
    }
    return [...names].sort();
  }

  async listVersions(options: ArtifactFileOptions): Promise<number[]> {
    return (await this.#listVersions(artifactPrefix(this.#prefix, options))).versions;
  }

  async deleteArtifact(options: ArtifactFileOptions): Promise<void> {
    const filePrefix = artifactPrefix(this.#prefix, options);
    const keys = await this.#listKeys(filePrefix);
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000).map((object) => ({ Key: object.key }));
      try {
        const result = await this.#client.send(
          new DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: batch, Quiet: true },
          }),
        );
        const failed = result.Errors?.[0];
        if (failed)
          throw Object.assign(new Error(failed.Code ?? 'DeleteObjects failed'), {
            name: failed.Code,
          });
      } catch (error) {
        throw storeError('DeleteObjects', this.#bucket, filePrefix, error);
      }
    }
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

  /** Closes the client when the service created it. */
  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #probeConditionalWrites(): Promise<'conditional-write' | 'claim'> {
    const key = `${this.#prefix}.ferrite-probe/${randomUUID()}`;
    await this.#put(key, emptyObject, true);
    try {
      await this.#put(key, emptyObject, true);
      return 'claim';
    } catch (error) {
      const status = statusOf((error as { cause?: unknown }).cause);
      if (status === 412 || status === 409) return 'conditional-write';
      if (status === 400 || status === 501) return 'claim';
      throw error;
    } finally {
      await this.#delete(key).catch(() => undefined);
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
    for await (const object of this.#objects(filePrefix)) {
      const parsed = parseObjectKey(dir, object.Key ?? '');
      if (parsed?.type === 'version') versions.push(parsed.version);
      else if (parsed?.type === 'claim') {
        claims.push({
          version: parsed.version,
          claimId: parsed.claimId,
          lastModified: object.LastModified?.getTime() ?? 0,
        });
      }
    }
    versions.sort((a, b) => a - b);
    return { versions, claims };
  }

  async #listKeys(prefix: string): Promise<{ key: string }[]> {
    const keys: { key: string }[] = [];
    for await (const object of this.#objects(prefix))
      if (object.Key !== undefined) keys.push({ key: object.Key });
    return keys;
  }

  async *#objects(prefix: string): AsyncGenerator<_Object> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw storeError('ListObjectsV2', this.#bucket, prefix, error);
      }
      yield* page.Contents ?? [];
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async #put(key: string, encoded: EncodedPart, ifNoneMatch: boolean): Promise<void> {
    const params = {
      Bucket: this.#bucket,
      Key: key,
      Body: encoded.body,
      ContentType: encoded.contentType,
      Metadata: encoded.metadata,
      ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
    };
    try {
      if (encoded.body.length >= this.#multipartThreshold) {
        await new Upload({
          client: this.#client,
          params,
          partSize: this.#partSize,
          queueSize: 4,
        }).done();
      } else {
        await this.#client.send(new PutObjectCommand(params));
      }
    } catch (error) {
      throw storeError('PutObject', this.#bucket, key, error);
    }
  }

  async #exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw storeError('HeadObject', this.#bucket, key, error);
    }
  }

  async #delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      throw storeError('DeleteObject', this.#bucket, key, error);
    }
  }
}

const emptyObject: EncodedPart = {
  body: Buffer.alloc(0),
  contentType: 'application/octet-stream',
  metadata: {},
};

/** Reads a response body into one buffer, sized up front when the length is known. */
async function readBody(
  body: AsyncIterable<Uint8Array> | undefined,
  length: number | undefined,
): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (length === undefined) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  for await (const chunk of body) {
    if (offset + chunk.length > length)
      throw new Error('object body is longer than its Content-Length');
    buffer.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== length) throw new Error('object body is shorter than its Content-Length');
  return buffer;
}
