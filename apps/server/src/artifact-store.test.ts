import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3ArtifactService } from '@ferrite/artifact/s3';
import { openBackends, readSettings } from '@ferrite/cli';
import { InvalidArgumentError } from '@ferrite/core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

describe('apps/server and its S3 artifact store', () => {
  let directory: string;
  let s3: S3rverInstance;
  let endpoint: string;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'server-app-store-'));
    const S3rver = createRequire(import.meta.url)('s3rver') as new (
      options: Record<string, unknown>,
    ) => S3rverInstance;
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: [{ name: 'desk-artifacts' }],
    });
    endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const s3Env = (bucket: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    S3_ENDPOINT: endpoint,
    S3_BUCKET: bucket,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    ...extra,
  });

  it('exits with code 2 at start, naming the bucket, when the S3 bucket does not exist', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@ferrite/source', MAIN],
      {
        cwd: ROOT,
        // Only what the server needs: a developer's S3_*, DATABASE_URL or QDRANT_URL stay out.
        env: { PATH: process.env['PATH'], PORT: '0', ...s3Env('no-such-bucket') },
      },
    );
    onTestFinished(() => {
      // A server that did not stop by itself is not left behind.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (data: string) => (output += data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => (output += data));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, output).toBe(2);
    expect(output).toContain('start-up check failed: S3 bucket "no-such-bucket" does not exist');
    expect(output).not.toContain('listening on');
    expect(output).not.toContain('S3RVER');
  });

  it('hands S3_VERSION_ALLOCATION to the artifact service', async () => {
    // s3rver ignores If-None-Match, so the probe of `auto` picks claim markers there:
    // conditional-write can only come from the setting.
    for (const [setting, expected] of [
      [undefined, 'claim'],
      ['claim', 'claim'],
      ['conditional-write', 'conditional-write'],
    ] as const) {
      const config = readSettings(
        'serve',
        {},
        s3Env('desk-artifacts', setting ? { S3_VERSION_ALLOCATION: setting } : {}),
      );
      expect(config.artifacts).toMatchObject({
        kind: 's3',
        versionAllocation: setting ?? 'auto',
      });
      const services = await openBackends(config, ROOT);
      try {
        const artifacts = services.artifactService as S3ArtifactService;
        expect(await artifacts.versionAllocation()).toBe(expected);
      } finally {
        await services.close();
      }
    }
  });

  it('refuses an unknown S3_VERSION_ALLOCATION, naming the variable', () => {
    expect(() =>
      readSettings('serve', {}, s3Env('desk-artifacts', { S3_VERSION_ALLOCATION: 'fast' })),
    ).toThrow(
      expect.objectContaining({
        code: InvalidArgumentError.code,
        message: expect.stringContaining('S3_VERSION_ALLOCATION must be one of') as string,
      }),
    );
  });
});
