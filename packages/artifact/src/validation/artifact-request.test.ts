import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, type ArtifactService } from '@ferrite/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileArtifactService, InMemoryArtifactService } from '../index.js';
import { toArtifactRecord } from '../internal/index.js';

const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0x01, 0x02]);
const standard = bytes.toString('base64'); // '+/+/AQI='
const inline = (data: string) => ({ inlineData: { mimeType: 'application/octet-stream', data } });

describe('toArtifactRecord inline data', () => {
  it('takes standard or URL-safe base64, padded or not, and keeps standard padded base64', () => {
    for (const data of [standard, standard.replace(/=+$/, ''), bytes.toString('base64url')]) {
      const record = toArtifactRecord(inline(data));
      expect(record.part.inlineData?.data).toBe(standard);
      expect(record.size).toBe(5);
      expect(record.bytes?.equals(bytes)).toBe(true);
    }
    expect(toArtifactRecord(inline('')).size).toBe(0);
  });

  it('rejects anything else instead of storing the bytes Node would guess', () => {
    for (const data of [
      'not base64!',
      'AAEC AAEC',
      'AAEC\n',
      'A',
      'AAEC====',
      'AA==AA==',
      '+/_-',
    ]) {
      expect(() => toArtifactRecord(inline(data)), data).toThrow(InvalidArgumentError);
    }
  });
});

describe('inline data on every local store', () => {
  let rootDir: string;
  beforeAll(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'ferrite-base64-'));
  });
  afterAll(async () => {
    await rm(rootDir, { recursive: true, force: true });
  });

  const stores: [string, () => ArtifactService][] = [
    ['InMemoryArtifactService', () => new InMemoryArtifactService()],
    ['FileArtifactService', () => new FileArtifactService({ rootDir })],
  ];
  it.each(stores)('%s loads URL-safe input back as standard base64', async (_name, create) => {
    const artifacts = create();
    const where = { appName: 'b64', userId: 'u1', sessionId: 's1', filename: 'x.bin' };
    await artifacts.saveArtifact({ ...where, artifact: inline(bytes.toString('base64url')) });
    expect(await artifacts.loadArtifact(where)).toEqual(inline(standard));
    await expect(artifacts.saveArtifact({ ...where, artifact: inline('%%%') })).rejects.toSatisfy(
      (error) => InvalidArgumentError.isInstance(error),
    );
    expect(await artifacts.listVersions(where)).toEqual([0]);
  });
});
