import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

interface S3rverInstance {
  store: {
    getResourcePath(bucket: string, key: string, resource: string): string;
    deleteObject(bucket: string, key: string): Promise<void>;
  };
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** A running s3rver (an S3-compatible server in this process) on a random port. */
export interface S3rverFixture extends AsyncDisposable {
  endpoint: string;
  clientConfig: S3ClientConfig;
  /** Creates a bucket and returns its name. */
  createBucket(name?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1, port 0, over a fresh temporary directory (credentials
 * `S3RVER`/`S3RVER`). Listing past 1,000 keys needs `--openssl-legacy-provider` in this process:
 * s3rver encrypts its continuation tokens with DES.
 */
export async function startS3rver(): Promise<S3rverFixture> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'ferrite-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  keepDirectories(server.store);
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
