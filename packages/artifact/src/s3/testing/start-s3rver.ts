import { mkdtemp, rm, unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** The slice of Koa's context the conditional-write guard reads. */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  req: IncomingMessage;
  get(header: string): string;
}
type KoaMiddleware = (context: KoaContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInstance {
  store: {
    getResourcePath(bucket: string, key: string, resource: string): string;
    deleteObject(bucket: string, key: string): Promise<void>;
    existsObject(bucket: string, key: string): Promise<boolean>;
  };
  /** Koa's middleware list, composed when the server starts. */
  middleware: KoaMiddleware[];
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
type S3ErrorConstructor = new (code: string, message: string, detail?: object) => Error;

/** Options of {@link startS3rver}. */
export interface S3rverOptions {
  /**
   * Answer `PutObject` and `CompleteMultipartUpload` carrying `If-None-Match: *` with 412
   * `PreconditionFailed` when the key exists, atomically per key, as AWS S3, MinIO and R2 do.
   * s3rver itself ignores the header; this lets the tests run the conditional-write allocation
   * against a store that honours it.
   */
  conditionalWrites?: boolean;
}

/** A running s3rver (an S3-compatible server in this process) on a random port. */
export interface S3rverFixture extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:49152`. */
  endpoint: string;
  /** Client configuration for this server (path-style, its fixed credentials). */
  clientConfig: S3ClientConfig;
  /** Creates a bucket and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** Stops the server and removes its directory. */
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1, port 0, over a fresh temporary directory (credentials
 * `S3RVER`/`S3RVER`). Listing past 1,000 keys needs `--openssl-legacy-provider` in this process:
 * s3rver encrypts its continuation tokens with DES.
 */
export async function startS3rver(options: S3rverOptions = {}): Promise<S3rverFixture> {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'ferrite-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  keepDirectories(server.store);
  if (options.conditionalWrites) {
    const S3Error = require('s3rver/lib/models/error') as S3ErrorConstructor;
    honourIfNoneMatch(server, S3Error);
  }
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig: S3ClientConfig = {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  const admin = new S3Client(clientConfig);
  let buckets = 0;
  const close = async (): Promise<void> => {
    admin.destroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  };
  return {
    endpoint,
    clientConfig,
    async createBucket(name = `bucket-${process.pid}-${++buckets}`) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * s3rver removes a key's directory as soon as it is empty, which races with a concurrent PUT
 * into that directory (the PUT's write stream fails with an uncaught ENOENT that takes the
 * host process down). S3 has no directories, so the fixture deletes objects without that
 * clean-up; empty directories are invisible to listings.
 */
function keepDirectories(store: S3rverInstance['store']): void {
  store.deleteObject = async (bucket, key) => {
    await Promise.all(
      ['object', 'object.md5', 'metadata.json'].map((resource) =>
        unlink(store.getResourcePath(bucket, key, resource)).catch(
          (error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          },
        ),
      ),
    );
  };
}

/**
 * Puts a guard before s3rver's router that gives `If-None-Match: *` on `PutObject` and
 * `CompleteMultipartUpload` its S3 meaning: writes of one key with the header run one at a
 * time, and one whose key already holds an object is refused with 412 `PreconditionFailed`
 * (the body is read and dropped first, as a server that has answered must).
 */
function honourIfNoneMatch(server: S3rverInstance, S3Error: S3ErrorConstructor): void {
  const queues = new Map<string, Promise<void>>();
  const guard: KoaMiddleware = async (context, next) => {
    const put =
      context.method === 'PUT' &&
      context.query['partNumber'] === undefined &&
      context.query['uploadId'] === undefined;
    const complete = context.method === 'POST' && context.query['uploadId'] !== undefined;
    if (context.get('if-none-match') !== '*' || !(put || complete)) return next();
    const [, bucket = '', ...rest] = context.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const id = `${bucket}/${key}`;
    const previous = queues.get(id) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const mine = previous.then(() => done);
    queues.set(id, mine);
    await previous;
    try {
      if (await server.store.existsObject(bucket, key)) {
        await drain(context.req);
        throw new S3Error(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          { Condition: 'If-None-Match' },
        );
      }
      await next();
    } finally {
      release();
      if (queues.get(id) === mine) queues.delete(id);
    }
  };
  const router = server.middleware.pop()!;
  server.middleware.push(guard, router);
}

function drain(request: IncomingMessage): Promise<void> {
  if (request.readableEnded) return Promise.resolve();
  return new Promise((resolve, reject) => {
    request.on('end', resolve).on('error', reject).resume();
  });
}
