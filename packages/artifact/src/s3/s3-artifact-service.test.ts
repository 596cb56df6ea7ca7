import { randomBytes, randomUUID } from 'node:crypto';
import {
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { FerriteError } from '@ferrite/core';
import { InternalError, InvalidArgumentError } from '@ferrite/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactServiceContract } from '@ferrite/core/testing';
import { S3ArtifactService } from './s3-artifact-service.js';
import { startS3rver, type S3rverFixture } from './testing/start-s3rver.js';

let s3: S3rverFixture;
let bucket: string;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3rver();
  bucket = await s3.createBucket();
  client = new S3Client(s3.clientConfig);
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

function scope(): { appName: string; userId: string; sessionId: string } {
  return { appName: `app-${randomUUID().slice(0, 8)}`, userId: 'u1', sessionId: 's1' };
}

function service(
  options: Partial<ConstructorParameters<typeof S3ArtifactService>[0]> = {},
): S3ArtifactService {
  return new S3ArtifactService({ client, bucket, prefix: 'ferrite/', ...options });
}

async function keysUnder(prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key!).sort();
}

async function putRaw(key: string, body: string): Promise<void> {
  await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain' }),
  );
}

/** Runs `tasks` with at most `width` in flight. */
async function inParallel(
  count: number,
  width: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe('S3ArtifactService on s3rver', () => {
  it('stores {prefix}{app}/{user}/{session | user}/{filename}/{version} with the mime type as Content-Type', async () => {
    const artifacts = service();
    const where = scope();
    const data = Buffer.from('png bytes').toString('base64');
    await artifacts.saveArtifact({
      ...where,
      filename: 'a.png',
      artifact: { inlineData: { mimeType: 'image/png', data } },
    });
    await artifacts.saveArtifact({ ...where, filename: 'a.png', artifact: { text: 'second' } });
    await artifacts.saveArtifact({ ...where, filename: 'user:profile', artifact: { text: 'me' } });
    expect(await keysUnder(`ferrite/${where.appName}/`)).toEqual([
      `ferrite/${where.appName}/u1/s1/a.png/0`,
      `ferrite/${where.appName}/u1/s1/a.png/1`,
      `ferrite/${where.appName}/u1/user/user:profile/0`,
    ]);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `ferrite/${where.appName}/u1/s1/a.png/0` }),
    );
    expect(head.ContentType).toBe('image/png');
    expect(head.ContentLength).toBe(9);
    expect(JSON.parse(head.Metadata!['ferrite']!)).toMatchObject({
      kind: 'inline',
      mimeType: 'image/png',
    });
  });

  it('encodes filenames S3 tools mishandle, reversibly', async () => {
    const artifacts = service();
    const where = scope();
    const names = ['report 2024 (final).pdf', '50%+off~now#1?.txt', 'résumé ✓.txt', 'a!21b', '...'];
    for (const filename of names) {
      await artifacts.saveArtifact({ ...where, filename, artifact: { text: filename } });
    }
    expect(await artifacts.listArtifactKeys(where)).toEqual([...names].sort());
    for (const filename of names) {
      expect(await artifacts.loadArtifact({ ...where, filename })).toEqual({ text: filename });
    }
    const keys = await keysUnder(`ferrite/${where.appName}/`);
    for (const key of keys) expect(key).not.toMatch(/[ %+~#?]/);
  });

  it('keeps custom metadata, display names and file references', async () => {
    const artifacts = service();
    const where = scope();
    const customMetadata = { note: 'café  double  space', tags: ['a', 'b'], nested: { n: 1 } };
    await artifacts.saveArtifact({
      ...where,
      filename: 'doc',
      artifact: { inlineData: { mimeType: 'application/pdf', data: 'AAEC', displayName: 'Doc ✓' } },
      customMetadata,
    });
    await artifacts.saveArtifact({
      ...where,
      filename: 'ref',
      artifact: { fileData: { mimeType: 'video/mp4', fileUri: 'gs://bucket/video.mp4' } },
    });
    expect(await artifacts.loadArtifact({ ...where, filename: 'doc' })).toEqual({
      inlineData: { mimeType: 'application/pdf', data: 'AAEC', displayName: 'Doc ✓' },
    });
    expect(await artifacts.getArtifactVersion({ ...where, filename: 'doc' })).toMatchObject({
      version: 0,
      mimeType: 'application/pdf',
      size: 3,
      customMetadata,
    });
    expect(await artifacts.loadArtifact({ ...where, filename: 'ref' })).toEqual({
      fileData: { mimeType: 'video/mp4', fileUri: 'gs://bucket/video.mp4' },
    });
  });

  it('rejects metadata larger than S3 object metadata allows, writing nothing', async () => {
    const artifacts = service();
    const where = scope();
    await expect(
      artifacts.saveArtifact({
        ...where,
        filename: 'big',
        artifact: { text: 'x' },
        customMetadata: { blob: 'x'.repeat(3000) },
      }),
    ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    expect(await keysUnder(`ferrite/${where.appName}/`)).toEqual([]);
  });

  it('keeps a session named "user" apart from the user scope', async () => {
    const artifacts = service();
    const where = scope();
    await artifacts.saveArtifact({
      ...where,
      sessionId: 'user',
      filename: 'notes',
      artifact: { text: 'session' },
    });
    await artifacts.saveArtifact({
      ...where,
      sessionId: 'user',
      filename: 'user:shared',
      artifact: { text: 'user' },
    });
    expect(await artifacts.listArtifactKeys({ ...where, sessionId: 'user' })).toEqual([
      'notes',
      'user:shared',
    ]);
    expect(await artifacts.listArtifactKeys({ ...where, sessionId: 'other' })).toEqual([
      'user:shared',
    ]);
    expect(
      await artifacts.loadArtifact({ ...where, sessionId: 'other', filename: 'notes' }),
    ).toBeUndefined();
  });

  it('lists a session of more than 1,000 objects completely, versions sorted numerically', async () => {
    const artifacts = service();
    const where = scope();
    const dir = `ferrite/${where.appName}/u1/s1`;
    await inParallel(1010, 16, (index) => putRaw(`${dir}/many/${index}`, `v${index}`));
    // Keys that sort after the 1,010 versions of `many`, so they arrive on the second page.
    await putRaw(`${dir}/zeta/0`, 'x');
    await putRaw(`${dir}/z!7Elast/0`, 'x');
    const versions = await artifacts.listVersions({ ...where, filename: 'many' });
    expect(versions).toEqual(Array.from({ length: 1010 }, (_, index) => index));
    expect(await artifacts.loadArtifact({ ...where, filename: 'many' })).toMatchObject({
      inlineData: { data: Buffer.from('v1009').toString('base64') },
    });
    expect(await artifacts.listArtifactKeys(where)).toEqual(['many', 'zeta', 'z~last']);
    expect(
      await artifacts.saveArtifact({ ...where, filename: 'many', artifact: { text: 'next' } }),
    ).toBe(1010);
    await artifacts.deleteArtifact({ ...where, filename: 'many' });
    expect(await artifacts.listVersions({ ...where, filename: 'many' })).toEqual([]);
    expect(
      await artifacts.saveArtifact({ ...where, filename: 'many', artifact: { text: 'again' } }),
    ).toBe(0);
  }, 180_000);

  it('gives concurrent saves from two service instances distinct versions (s3rver ignores If-None-Match)', async () => {
    const first = service();
    const second = service();
    expect(await first.versionAllocation()).toBe('claim');
    const where = scope();
    const saves = Array.from({ length: 12 }, (_, index) =>
      (index % 2 === 0 ? first : second).saveArtifact({
        ...where,
        filename: 'shared',
        artifact: { text: `save ${index}` },
      }),
    );
    const versions = await Promise.all(saves);
    expect([...versions].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, index) => index),
    );
    for (const [index, version] of versions.entries()) {
      expect(await first.loadArtifact({ ...where, filename: 'shared', version })).toEqual({
        text: `save ${index}`,
      });
    }
    expect(await keysUnder(`ferrite/${where.appName}/u1/s1/shared/`)).toHaveLength(12);
  });

  it('the concurrency check catches a lost update: forcing conditional writes on s3rver loses saves', async () => {
    const first = service({ versionAllocation: 'conditional-write' });
    const second = service({ versionAllocation: 'conditional-write' });
    const where = scope();
    const versions = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? first : second).saveArtifact({
          ...where,
          filename: 'shared',
          artifact: { text: `${index}` },
        }),
      ),
    );
    expect(new Set(versions).size).toBeLessThan(12);
    expect((await first.listVersions({ ...where, filename: 'shared' })).length).toBeLessThan(12);
  });

  it('round-trips a 20 MB artifact through a multipart upload', async () => {
    const commands: string[] = [];
    const counted = new S3Client(s3.clientConfig);
    counted.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    await using artifacts = new S3ArtifactService({ client: counted, bucket, prefix: 'ferrite/' });
    const where = scope();
    const bytes = randomBytes(20 * 1024 * 1024);
    const data = bytes.toString('base64');
    await artifacts.saveArtifact({
      ...where,
      filename: 'big.bin',
      artifact: { inlineData: { mimeType: 'application/octet-stream', data } },
    });
    expect(commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    const loaded = await artifacts.loadArtifact({ ...where, filename: 'big.bin' });
    expect(loaded?.inlineData?.data.length).toBe(data.length);
    expect(loaded?.inlineData?.data === data).toBe(true);
    expect(await artifacts.getArtifactVersion({ ...where, filename: 'big.bin' })).toMatchObject({
      size: bytes.length,
    });
  });

  it('validates filenames on every method before touching the store', async () => {
    const artifacts = service();
    const where = scope();
    for (const filename of ['', '.', '..', 'a/b', 'a\\b', 'nul\0', 'x'.repeat(256)]) {
      const calls = [
        artifacts.saveArtifact({ ...where, filename, artifact: { text: 'x' } }),
        artifacts.loadArtifact({ ...where, filename }),
        artifacts.listVersions({ ...where, filename }),
        artifacts.deleteArtifact({ ...where, filename }),
        artifacts.getArtifactVersion({ ...where, filename }),
      ];
      for (const call of calls)
        await expect(call).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    }
    await expect(
      artifacts.saveArtifact({ ...where, filename: 'empty', artifact: {} }),
    ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    expect(await keysUnder(`ferrite/${where.appName}/`)).toEqual([]);
  });

  it('wraps store failures as InternalError without credentials in the message', async () => {
    const secret = 'sEcReT-value-123';
    const wrongKey = new S3ArtifactService({
      clientConfig: {
        ...s3.clientConfig,
        credentials: { accessKeyId: 'AKIAWRONGKEY', secretAccessKey: secret },
      },
      bucket,
    });
    const failure = await wrongKey.listArtifactKeys(scope()).catch((error: unknown) => error);
    expect(InternalError.isInstance(failure)).toBe(true);
    expect((failure as FerriteError).cause).toBeDefined();
    expect((failure as Error).message).not.toContain(secret);
    expect((failure as Error).message).not.toContain('AKIAWRONGKEY');
    await wrongKey.close();

    const noBucket = service({ bucket: 'no-such-bucket' });
    await expect(noBucket.listVersions({ ...scope(), filename: 'x' })).rejects.toSatisfy(
      (error) =>
        InternalError.isInstance(error) &&
        String((error as Error).message).includes('NoSuchBucket'),
    );

    await using down = new S3ArtifactService({
      clientConfig: { ...s3.clientConfig, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 },
      bucket,
      versionAllocation: 'claim',
    });
    await expect(
      down.saveArtifact({ ...scope(), filename: 'x', artifact: { text: 'x' } }),
    ).rejects.toSatisfy((error) => InternalError.isInstance(error) && error.cause !== undefined);
  });
});

artifactServiceContract('S3ArtifactService on s3rver', {
  create: () => service(),
});

const realEndpoint = process.env['S3_ENDPOINT'];
describe.skipIf(!realEndpoint)(
  realEndpoint
    ? `S3ArtifactService on S3_ENDPOINT`
    : 'S3ArtifactService on S3_ENDPOINT (skipped: S3_ENDPOINT is not set)',
  () => {
    const runPrefix = `ferrite-test-${randomUUID()}/`;
    const config = (): ConstructorParameters<typeof S3ArtifactService>[0] => ({
      clientConfig: {
        endpoint: realEndpoint,
        region: process.env['S3_REGION'] ?? 'us-east-1',
        forcePathStyle: true,
        ...(process.env['S3_ACCESS_KEY_ID']
          ? {
              credentials: {
                accessKeyId: process.env['S3_ACCESS_KEY_ID'],
                secretAccessKey: process.env['S3_SECRET_ACCESS_KEY'] ?? '',
              },
            }
          : {}),
      },
      bucket: process.env['S3_BUCKET'] ?? 'ferrite-test',
      prefix: runPrefix,
    });
    artifactServiceContract('S3ArtifactService on S3_ENDPOINT', {
      create: () => new S3ArtifactService(config()),
      dispose: (artifacts) => (artifacts as S3ArtifactService).close(),
    });
    it('gives concurrent saves from two service instances distinct versions', async () => {
      await using first = new S3ArtifactService(config());
      await using second = new S3ArtifactService(config());
      const where = scope();
      const versions = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          (index % 2 === 0 ? first : second).saveArtifact({
            ...where,
            filename: 'shared',
            artifact: { text: `${index}` },
          }),
        ),
      );
      expect([...versions].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });
  },
);
