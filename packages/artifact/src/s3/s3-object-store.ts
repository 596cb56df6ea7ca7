import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type _Object,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { EncodedPart } from './s3-part-codec.js';
import { InvalidArgumentError } from '@ferrite/core';
import { errorNameOf, isNotFound, s3StatusOf, storeError } from './s3-store-error.js';

/** What a HEAD or GET tells about an object besides its body. */
export interface ObjectHead {
  /** User metadata, keys lower-cased. */
  metadata: Record<string, string> | undefined;
  /** `Content-Type`. */
  contentType: string | undefined;
  /** `Last-Modified`. */
  lastModified: Date | undefined;
  /** Body size in bytes. */
  contentLength: number;
}

/** Options of an {@link S3ObjectStore}. */
export interface S3ObjectStoreConfig {
  /** The client to send commands with. */
  client: S3Client;
  /** The bucket holding every object. */
  bucket: string;
  /** Bodies of at least this many bytes go up as a multipart upload. */
  multipartThreshold: number;
  /** Bytes per part of a multipart upload. */
  partSize: number;
}

/**
 * The object operations the S3 artifact service is built from, each turning a store failure
 * into a Ferrite error and "no such key" into `undefined` or `false`.
 */
export class S3ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #multipartThreshold: number;
  readonly #partSize: number;

  constructor(options: S3ObjectStoreConfig) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#multipartThreshold = options.multipartThreshold;
    this.#partSize = options.partSize;
  }

  /**
   * Checks that the bucket exists and can be reached (`HeadBucket`): a missing bucket is an
   * {@link InvalidArgumentError} naming it, any other failure an `InternalError`.
   */
  async checkBucket(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.#bucket }));
    } catch (error) {
      if (isNotFound(error) || errorNameOf(error) === 'NoSuchBucket') {
        throw new InvalidArgumentError(
          `S3 bucket ${JSON.stringify(this.#bucket)} does not exist (HeadBucket answered HTTP ${s3StatusOf(error) ?? 404}); create it first, the artifact service never creates buckets`,
          { cause: error },
        );
      }
      throw storeError('HeadBucket', this.#bucket, '', error);
    }
  }

  /** Every object under `prefix`, page by page (`ListObjectsV2` with continuation tokens). */
  async *objects(prefix: string): AsyncGenerator<_Object> {
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

  /** The keys under `prefix`. */
  async keys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of this.objects(prefix))
      if (object.Key !== undefined) keys.push(object.Key);
    return keys;
  }

  /** Writes an object; with `ifNoneMatch` only if the key is free (on stores that honour it). */
  async put(key: string, encoded: EncodedPart, ifNoneMatch = false): Promise<void> {
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
        // The parts are views of the buffer: the upload holds no second copy.
        const upload = new Upload({
          client: this.#client,
          params,
          partSize: this.#partSize,
          queueSize: 4,
        });
        await upload.done();
      } else {
        await this.#client.send(new PutObjectCommand(params));
      }
    } catch (error) {
      throw storeError('PutObject', this.#bucket, key, error);
    }
  }

  /** HEAD of an object; undefined when there is none. */
  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: key }),
      );
      return {
        metadata: head.Metadata,
        contentType: head.ContentType,
        lastModified: head.LastModified,
        contentLength: head.ContentLength ?? 0,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError('HeadObject', this.#bucket, key, error);
    }
  }

  /** An object with its body read into one buffer; undefined when there is none. */
  async get(key: string): Promise<(ObjectHead & { body: Buffer }) | undefined> {
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: key }),
      );
      const body = await readBody(
        response.Body as AsyncIterable<Uint8Array> | undefined,
        response.ContentLength,
      );
      return {
        metadata: response.Metadata,
        contentType: response.ContentType,
        lastModified: response.LastModified,
        contentLength: body.length,
        body,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError('GetObject', this.#bucket, key, error);
    }
  }

  /** Deletes one object (S3 answers success for a missing key too). */
  async delete(key: string): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
    } catch (error) {
      throw storeError('DeleteObject', this.#bucket, key, error);
    }
  }

  /** Deletes the keys, 1,000 per request; `label` names them in errors. */
  async deleteMany(keys: string[], label: string): Promise<void> {
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000).map((Key) => ({ Key }));
      try {
        const command = new DeleteObjectsCommand({
          Bucket: this.#bucket,
          Delete: { Objects: batch, Quiet: true },
        });
        withContentMd5(command);
        const result = await this.#client.send(command);
        const failed = result.Errors?.[0];
        if (failed) {
          throw Object.assign(new Error(failed.Code ?? 'DeleteObjects failed'), {
            name: failed.Code,
          });
        }
      } catch (error) {
        throw storeError('DeleteObjects', this.#bucket, label, error);
      }
    }
  }
}

/**
 * Adds `Content-MD5` to one DeleteObjects request. S3 once required it there and some stores
 * still do (OpenStack Swift answers 400 without it), while SDK v3 now sends only a CRC32
 * checksum. Added to the command, not the client, so a client the caller gave is left as it is.
 */
function withContentMd5(command: DeleteObjectsCommand): void {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { body?: unknown; headers?: Record<string, string> };
      if (
        request.headers &&
        (typeof request.body === 'string' || request.body instanceof Uint8Array)
      ) {
        request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'ferriteContentMd5', priority: 'low' },
  );
}

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
