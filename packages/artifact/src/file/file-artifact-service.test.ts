import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactServiceContract } from '@ferrite/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileArtifactService } from '../index.js';

let rootDir: string;
beforeAll(async () => {
  rootDir = await mkdtemp(join(tmpdir(), 'ferrite-artifacts-'));
});
afterAll(async () => {
  await rm(rootDir, { recursive: true, force: true });
});

artifactServiceContract('FileArtifactService', {
  create: () => new FileArtifactService({ rootDir }),
  sharesStore: true,
});

describe('FileArtifactService layout', () => {
  const scope = { appName: 'layout', userId: 'u1', sessionId: 's1' };

  it('writes {app}/{user}/{session|user}/{encoded filename}/{version} with a sidecar', async () => {
    const artifacts = new FileArtifactService({ rootDir });
    await artifacts.saveArtifact({ ...scope, filename: 'notes:é.txt', artifact: { text: 'a' } });
    await artifacts.saveArtifact({ ...scope, filename: 'user:profile', artifact: { text: 'b' } });
    const sessionDir = join(rootDir, 'layout', 'u1', 's1');
    expect(await readdir(sessionDir)).toEqual(['notes%3A%C3%A9.txt']);
    expect((await readdir(join(sessionDir, 'notes%3A%C3%A9.txt'))).sort()).toEqual(['0', '0.json']);
    expect(await readdir(join(rootDir, 'layout', 'u1', 'user'))).toEqual(['user%3Aprofile']);
  });

  it('persists across service instances on the same root', async () => {
    const where = { ...scope, sessionId: 'persist' };
    await new FileArtifactService({ rootDir }).saveArtifact({
      ...where,
      filename: 'kept.bin',
      artifact: { inlineData: { mimeType: 'application/octet-stream', data: 'AAEC' } },
      customMetadata: { n: 1 },
    });
    const reopened = new FileArtifactService({ rootDir });
    expect(await reopened.loadArtifact({ ...where, filename: 'kept.bin' })).toEqual({
      inlineData: { mimeType: 'application/octet-stream', data: 'AAEC' },
    });
    expect(await reopened.getArtifactVersion({ ...where, filename: 'kept.bin' })).toMatchObject({
      size: 3,
      customMetadata: { n: 1 },
    });
  });

  it('hashes names too long to encode and leaves no temporary files behind', async () => {
    const artifacts = new FileArtifactService({ rootDir });
    const where = { appName: 'tidy', userId: 'u1', sessionId: 's1' };
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        artifacts.saveArtifact({ ...where, filename: 'é'.repeat(120), artifact: { text: `${i}` } }),
      ),
    );
    const [directory] = await readdir(join(rootDir, 'tidy', 'u1', 's1'));
    expect(directory).toMatch(/^#[0-9a-f]{64}$/);
    const entries = await readdir(join(rootDir, 'tidy', 'u1', 's1', directory!));
    expect(entries.filter((entry) => entry.startsWith('.tmp-'))).toEqual([]);
    expect(entries).toContain('.name');
  });
});
