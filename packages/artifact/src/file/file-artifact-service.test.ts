import {
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError } from '@ferrite/core';
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

describe('FileArtifactService and symbolic links inside rootDir', () => {
  let base: string;
  let store: string;
  let outside: string;
  const secret = 'outside secret';
  const refusesLink = (error: unknown): boolean =>
    InternalError.isInstance(error) && /symbolic link/.test((error as Error).message);
  /** Every path under `directory`, with file contents, to compare before and after. */
  const snapshot = async (directory: string): Promise<Record<string, string>> => {
    const result: Record<string, string> = {};
    for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      result[path] = entry.isFile() ? await readFile(path, 'utf8') : '<dir>';
    }
    return result;
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferrite-artifact-links-'));
    store = join(base, 'store');
    outside = join(base, 'outside');
    await mkdir(join(outside, 'victim'), { recursive: true });
    await writeFile(join(outside, 'secret.txt'), secret);
    // What a version outside the store looks like, so a followed link would find data.
    await writeFile(join(outside, 'victim', '0'), secret);
    await writeFile(
      join(outside, 'victim', '0.json'),
      JSON.stringify({ kind: 'text', mimeType: 'text/plain', size: 14, createTime: 1 }),
    );
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('refuses a session directory that is a link, creating nothing outside', async () => {
    const artifacts = new FileArtifactService({ rootDir: store });
    await mkdir(join(store, 'app', 'u1'), { recursive: true });
    await symlink(outside, join(store, 'app', 'u1', 'linked'));
    const before = await snapshot(outside);
    const where = { appName: 'app', userId: 'u1', sessionId: 'linked' };
    await expect(
      artifacts.saveArtifact({ ...where, filename: 'victim', artifact: { text: 'written' } }),
    ).rejects.toSatisfy(refusesLink);
    await expect(
      artifacts.saveArtifact({ ...where, filename: 'new.txt', artifact: { text: 'written' } }),
    ).rejects.toSatisfy(refusesLink);
    await expect(artifacts.loadArtifact({ ...where, filename: 'victim' })).rejects.toSatisfy(
      refusesLink,
    );
    await expect(artifacts.listVersions({ ...where, filename: 'victim' })).rejects.toSatisfy(
      refusesLink,
    );
    await expect(artifacts.getArtifactVersion({ ...where, filename: 'victim' })).rejects.toSatisfy(
      refusesLink,
    );
    await expect(artifacts.listArtifactKeys(where)).rejects.toSatisfy(refusesLink);
    await expect(artifacts.deleteArtifact({ ...where, filename: 'victim' })).rejects.toSatisfy(
      refusesLink,
    );
    expect(await snapshot(outside)).toEqual(before);
  });

  it('refuses an artifact directory that is a link: no read, write or delete through it', async () => {
    const artifacts = new FileArtifactService({ rootDir: store });
    await mkdir(join(store, 'app', 'u2', 's1'), { recursive: true });
    await symlink(join(outside, 'victim'), join(store, 'app', 'u2', 's1', 'victim'));
    const before = await snapshot(outside);
    const where = { appName: 'app', userId: 'u2', sessionId: 's1' };
    await expect(
      artifacts.saveArtifact({ ...where, filename: 'victim', artifact: { text: 'written' } }),
    ).rejects.toSatisfy(refusesLink);
    await expect(artifacts.loadArtifact({ ...where, filename: 'victim' })).rejects.toSatisfy(
      refusesLink,
    );
    await expect(
      artifacts.loadArtifact({ ...where, filename: 'victim', version: 0 }),
    ).rejects.toSatisfy(refusesLink);
    await expect(artifacts.listVersions({ ...where, filename: 'victim' })).rejects.toSatisfy(
      refusesLink,
    );
    await expect(artifacts.listArtifactKeys(where)).rejects.toSatisfy(refusesLink);
    await expect(artifacts.deleteArtifact({ ...where, filename: 'victim' })).rejects.toSatisfy(
      refusesLink,
    );
    expect(await snapshot(outside)).toEqual(before);
  });

  it('refuses a version file that is a link: the linked file is neither read nor removed', async () => {
    const artifacts = new FileArtifactService({ rootDir: store });
    const where = { appName: 'app', userId: 'u3', sessionId: 's1' };
    await artifacts.saveArtifact({ ...where, filename: 'doc', artifact: { text: 'mine' } });
    const directory = join(store, 'app', 'u3', 's1', 'doc');
    await rm(join(directory, '0'));
    await symlink(join(outside, 'secret.txt'), join(directory, '0'));
    const before = await snapshot(outside);
    await expect(artifacts.loadArtifact({ ...where, filename: 'doc' })).rejects.toSatisfy(
      refusesLink,
    );
    await expect(
      artifacts.loadArtifact({ ...where, filename: 'doc', version: 0 }),
    ).rejects.toSatisfy(refusesLink);
    await expect(artifacts.listVersions({ ...where, filename: 'doc' })).rejects.toSatisfy(
      refusesLink,
    );
    await expect(
      artifacts.saveArtifact({ ...where, filename: 'doc', artifact: { text: 'again' } }),
    ).rejects.toSatisfy(refusesLink);
    await expect(artifacts.deleteArtifact({ ...where, filename: 'doc' })).rejects.toSatisfy(
      refusesLink,
    );
    expect(await snapshot(outside)).toEqual(before);
    expect(await readlink(join(directory, '0'))).toBe(join(outside, 'secret.txt'));
  });

  it('refuses a sidecar link planted for the next version, writing nothing through it', async () => {
    const artifacts = new FileArtifactService({ rootDir: store });
    const where = { appName: 'app', userId: 'u4', sessionId: 's1' };
    await artifacts.saveArtifact({ ...where, filename: 'doc', artifact: { text: 'mine' } });
    const target = join(outside, 'planted.json');
    await symlink(target, join(store, 'app', 'u4', 's1', 'doc', '1.json'));
    await expect(
      artifacts.saveArtifact({ ...where, filename: 'doc', artifact: { text: 'next' } }),
    ).rejects.toSatisfy(refusesLink);
    await expect(readFile(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('accepts a rootDir that is itself a link, and works inside it', async () => {
    await mkdir(join(base, 'real-root'));
    await symlink(join(base, 'real-root'), join(base, 'root-link'));
    const artifacts = new FileArtifactService({ rootDir: join(base, 'root-link') });
    const where = { appName: 'app', userId: 'u1', sessionId: 's1' };
    expect(await artifacts.saveArtifact({ ...where, filename: 'a', artifact: { text: 'x' } })).toBe(
      0,
    );
    expect(await artifacts.loadArtifact({ ...where, filename: 'a' })).toEqual({ text: 'x' });
    expect(await readdir(join(base, 'real-root', 'app', 'u1', 's1', 'a'))).toContain('0');
  });
});
