import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type {
  ArtifactScope,
  ArtifactService,
  ArtifactVersion,
  LoadArtifactOptions,
} from '../services/artifact-service.js';
import type { Part } from '../types/content.js';
import type { ContractFactory } from './contract-factory.js';
import { expectFerriteError, randomAppName } from './expect-ferrite-error.js';

const INVALID_FILENAMES = [
  '',
  '.',
  '..',
  'a/b',
  '../../etc/passwd',
  'a\\b',
  '..\\..\\secret',
  'nul\0byte',
  'x'.repeat(256),
  'é'.repeat(128),
];
const INVALID_NAMES = ['', '..', 'a/b', '../x', 'a b'];

const bytes = (...values: number[]) => Buffer.from(values).toString('base64');

/**
 * Saves one filename `saves` times at once, alternating between two services on one store, and
 * checks that every save got its own version, from 0 up, holding its own content.
 */
export async function expectDistinctVersionsFromTwoWriters(
  first: ArtifactService,
  second: ArtifactService,
  scope: ArtifactScope,
  saves = 12,
): Promise<void> {
  const versions = await Promise.all(
    Array.from({ length: saves }, (_, index) =>
      (index % 2 === 0 ? first : second).saveArtifact({
        ...scope,
        filename: 'shared',
        artifact: { text: `save ${index}` },
      }),
    ),
  );
  expect([...versions].sort((a, b) => a - b)).toEqual(
    Array.from({ length: saves }, (_, index) => index),
  );
  for (const [index, version] of versions.entries()) {
    expect(await second.loadArtifact({ ...scope, filename: 'shared', version })).toEqual({
      text: `save ${index}`,
    });
  }
}

/**
 * The behaviour every {@link ArtifactService} must show (SPEC §4 and §12), as a vitest suite.
 * Each test uses its own random app name, so the factory may hand out one shared store.
 *
 * @example
 * ```ts
 * artifactServiceContract('InMemoryArtifactService', { create: () => new InMemoryArtifactService() });
 * ```
 */
export function artifactServiceContract(
  name: string,
  factory: ContractFactory<ArtifactService>,
): void {
  describe(`ArtifactService contract: ${name}`, () => {
    let service: ArtifactService;
    let scope: ArtifactScope;

    beforeEach(async () => {
      service = await factory.create();
      scope = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    });
    afterEach(async () => {
      await factory.dispose?.(service);
    });

    const save = (
      filename: string,
      artifact: Part,
      where: Partial<ArtifactScope> = {},
      customMetadata?: Record<string, unknown>,
    ) => service.saveArtifact({ ...scope, ...where, filename, artifact, customMetadata });
    const load = (filename: string, where: Partial<LoadArtifactOptions> = {}) =>
      service.loadArtifact({ ...scope, ...where, filename });
    const versions = (filename: string, where: Partial<ArtifactScope> = {}) =>
      service.listVersions({ ...scope, ...where, filename });
    const keys = (where: Partial<ArtifactScope> = {}) =>
      service.listArtifactKeys({ ...scope, ...where });
    const describeVersion = (
      filename: string,
      where: Partial<LoadArtifactOptions> = {},
    ): Promise<ArtifactVersion | undefined> => {
      expect(typeof service.getArtifactVersion).toBe('function');
      return service.getArtifactVersion!({ ...scope, ...where, filename });
    };

    it('numbers versions from 0 up by one and lists them ascending', async () => {
      expect(await save('a.txt', { text: 'v0' })).toBe(0);
      expect(await save('a.txt', { text: 'v1' })).toBe(1);
      expect(await save('a.txt', { text: 'v2' })).toBe(2);
      expect(await save('b.txt', { text: 'other' })).toBe(0);
      expect(await versions('a.txt')).toEqual([0, 1, 2]);
      expect(await versions('b.txt')).toEqual([0]);
    });

    it('loads the latest version by default and a given version on request', async () => {
      for (const text of ['first', 'second', 'third']) await save('doc', { text });
      expect(await load('doc')).toEqual({ text: 'third' });
      expect(await load('doc', { version: 0 })).toEqual({ text: 'first' });
      expect(await load('doc', { version: 1 })).toEqual({ text: 'second' });
    });

    it('gives undefined or [] for unknown names and versions', async () => {
      expect(await load('missing')).toBeUndefined();
      expect(await versions('missing')).toEqual([]);
      expect(await describeVersion('missing')).toBeUndefined();
      await save('doc', { text: 'x' });
      expect(await load('doc', { version: 7 })).toBeUndefined();
      expect(await describeVersion('doc', { version: 7 })).toBeUndefined();
      expect(await keys({ sessionId: 'empty-session' })).toEqual([]);
    });

    it('round-trips text, binary inline data and file references', async () => {
      const binary = bytes(0, 1, 2, 127, 128, 254, 255, 0);
      const parts: Record<string, Part> = {
        'note.txt': { text: 'héllo ✓\nsecond line' },
        'image.png': { inlineData: { mimeType: 'image/png', data: binary, displayName: 'Pic ✓' } },
        'plain.bin': { inlineData: { mimeType: 'application/octet-stream', data: bytes(9, 8) } },
        'video.mp4': { fileData: { mimeType: 'video/mp4', fileUri: 'gs://bucket/video.mp4' } },
      };
      for (const [filename, part] of Object.entries(parts)) await save(filename, part);
      for (const [filename, part] of Object.entries(parts)) {
        expect(await load(filename)).toEqual(part);
      }
    });

    it('keeps filenames with colons, spaces, percent signs and unicode', async () => {
      const names = ['notes:2024 résumé ✓.txt', '50% off (final).pdf', '...', 'ü', 'é'.repeat(127)];
      for (const filename of names) await save(filename, { text: filename });
      for (const filename of names) expect(await load(filename)).toEqual({ text: filename });
      expect(await keys()).toEqual([...names].sort());
    });

    it('shares user: artifacts across the sessions of one user, not with other users', async () => {
      expect(await save('user:profile', { text: 'v0' })).toBe(0);
      expect(await save('user:profile', { text: 'v1' }, { sessionId: 's2' })).toBe(1);
      expect(await load('user:profile', { sessionId: 's3' })).toEqual({ text: 'v1' });
      expect(await load('user:profile', { sessionId: 's3', version: 0 })).toEqual({ text: 'v0' });
      expect(await versions('user:profile', { sessionId: 's2' })).toEqual([0, 1]);
      expect(await keys({ sessionId: 'fresh' })).toEqual(['user:profile']);
      expect(await load('user:profile', { userId: 'u2' })).toBeUndefined();
      expect(await keys({ userId: 'u2' })).toEqual([]);
    });

    it('keeps session artifacts to their session', async () => {
      await save('draft', { text: 'mine' });
      expect(await load('draft', { sessionId: 's2' })).toBeUndefined();
      expect(await versions('draft', { sessionId: 's2' })).toEqual([]);
      expect(await keys({ sessionId: 's2' })).toEqual([]);
      expect(await save('draft', { text: 'theirs' }, { sessionId: 's2' })).toBe(0);
      expect(await load('draft')).toEqual({ text: 'mine' });
    });

    it('lists keys sorted by code unit, unique, with the user: names', async () => {
      for (const filename of ['b.txt', 'a.txt', 'B.txt', 'b.txt', 'Ä.txt', 'notes:1', 'z']) {
        await save(filename, { text: filename });
      }
      await save('user:prefs', { text: 'p' }, { sessionId: 'elsewhere' });
      await save('user:prefs', { text: 'p2' });
      await save('other-session-file', { text: 'x' }, { sessionId: 'elsewhere' });
      const expected = ['B.txt', 'a.txt', 'b.txt', 'notes:1', 'user:prefs', 'z', 'Ä.txt'];
      expect(await keys()).toEqual(expected);
      expect([...expected].sort()).toEqual(expected);
    });

    it('deletes every version, and a later save starts again at 0', async () => {
      await save('doc', { text: 'a' });
      await save('doc', { text: 'b' });
      await save('keep', { text: 'kept' });
      await service.deleteArtifact({ ...scope, filename: 'doc' });
      expect(await versions('doc')).toEqual([]);
      expect(await load('doc')).toBeUndefined();
      expect(await load('doc', { version: 0 })).toBeUndefined();
      expect(await keys()).toEqual(['keep']);
      expect(await save('doc', { text: 'again' })).toBe(0);
      expect(await load('doc')).toEqual({ text: 'again' });
      expect(await load('keep')).toEqual({ text: 'kept' });
    });

    it('deletes idempotently, and a user: artifact from any session of the user', async () => {
      await service.deleteArtifact({ ...scope, filename: 'never-saved' });
      await save('user:shared', { text: 'x' });
      await service.deleteArtifact({ ...scope, sessionId: 'other', filename: 'user:shared' });
      expect(await versions('user:shared')).toEqual([]);
      await service.deleteArtifact({ ...scope, filename: 'user:shared' });
    });

    it('describes versions: decoded byte size, mime type, creation time and metadata', async () => {
      const before = Date.now();
      await save(
        'image.png',
        { inlineData: { mimeType: 'image/png', data: bytes(1, 2, 3, 4, 5) } },
        {},
        { source: 'camera', tags: ['a', 'b'], nested: { n: 1 } },
      );
      await save('image.png', { text: 'héllo' });
      const first = await describeVersion('image.png', { version: 0 });
      expect(first).toMatchObject({
        version: 0,
        mimeType: 'image/png',
        size: 5,
        customMetadata: { source: 'camera', tags: ['a', 'b'], nested: { n: 1 } },
      });
      expect(first?.createTime).toBeGreaterThanOrEqual(before - 5_000);
      expect(first?.createTime).toBeLessThanOrEqual(Date.now() + 5_000);
      const latest = await describeVersion('image.png');
      expect(latest).toMatchObject({ version: 1, mimeType: 'text/plain', size: 6 });
      expect(latest?.customMetadata ?? {}).toEqual({});
    });

    it('gives concurrent saves distinct versions', async () => {
      const saved = await Promise.all(
        Array.from({ length: 8 }, (_, index) => save('busy', { text: `save ${index}` })),
      );
      expect([...saved].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(await versions('busy')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      for (const [index, version] of saved.entries()) {
        expect(await load('busy', { version })).toEqual({ text: `save ${index}` });
      }
    });

    it.skipIf(!factory.sharesStore)(
      'gives concurrent saves through two services on one store distinct versions [needs sharesStore]',
      async () => {
        const second = await factory.create();
        try {
          await expectDistinctVersionsFromTwoWriters(service, second, scope);
        } finally {
          await factory.dispose?.(second);
        }
      },
    );

    it('keeps a session named "user" apart from the user scope', async () => {
      await save('notes', { text: 'session' }, { sessionId: 'user' });
      await save('user:shared', { text: 'user' }, { sessionId: 'user' });
      expect(await keys({ sessionId: 'user' })).toEqual(['notes', 'user:shared']);
      expect(await keys({ sessionId: 'other' })).toEqual(['user:shared']);
      expect(await load('notes', { sessionId: 'other' })).toBeUndefined();
    });

    it('keeps the same names apart under two users and two apps', async () => {
      await save('doc', { text: 'u1' });
      await save('user:me', { text: 'u1 profile' });
      await save('doc', { text: 'u2' }, { userId: 'u2' });
      const otherApp = randomAppName();
      await save('doc', { text: 'other app' }, { appName: otherApp });
      expect(await load('doc')).toEqual({ text: 'u1' });
      expect(await load('doc', { userId: 'u2' })).toEqual({ text: 'u2' });
      expect(await load('doc', { appName: otherApp })).toEqual({ text: 'other app' });
      expect(await keys({ appName: otherApp })).toEqual(['doc']);
      expect(await load('user:me', { appName: otherApp })).toBeUndefined();
      await service.deleteArtifact({ ...scope, userId: 'u2', filename: 'doc' });
      expect(await load('doc')).toEqual({ text: 'u1' });
    });

    it('returns copies: changing a loaded or saved part changes nothing stored', async () => {
      const part: Part = { inlineData: { mimeType: 'text/csv', data: bytes(1, 2) } };
      await save('data.csv', part);
      part.inlineData!.data = bytes(9, 9, 9);
      const loaded = (await load('data.csv'))!;
      loaded.inlineData!.mimeType = 'changed/type';
      expect(await load('data.csv')).toEqual({
        inlineData: { mimeType: 'text/csv', data: bytes(1, 2) },
      });
    });

    it('accepts a filename of exactly 255 bytes', async () => {
      const filename = `${'é'.repeat(127)}x`;
      expect(Buffer.byteLength(filename)).toBe(255);
      expect(await save(filename, { text: 'long' })).toBe(0);
      expect(await load(filename)).toEqual({ text: 'long' });
      expect(await keys()).toEqual([filename]);
    });

    it.each(INVALID_FILENAMES)(
      'rejects filename %j on every method with InvalidArgumentError',
      async (filename) => {
        await expectFerriteError(save(filename, { text: 'x' }), InvalidArgumentError);
        await expectFerriteError(load(filename), InvalidArgumentError);
        await expectFerriteError(versions(filename), InvalidArgumentError);
        await expectFerriteError(
          service.deleteArtifact({ ...scope, filename }),
          InvalidArgumentError,
        );
        await expectFerriteError(describeVersion(filename), InvalidArgumentError);
        expect(await keys()).toEqual([]);
      },
    );

    it('rejects invalid app, user and session names on every method', async () => {
      await save('doc', { text: 'x' });
      for (const bad of INVALID_NAMES) {
        for (const field of ['appName', 'userId', 'sessionId'] as const) {
          const where = { ...scope, [field]: bad };
          await expectFerriteError(
            service.saveArtifact({ ...where, filename: 'doc', artifact: { text: 'x' } }),
            InvalidArgumentError,
          );
          await expectFerriteError(
            service.loadArtifact({ ...where, filename: 'doc' }),
            InvalidArgumentError,
          );
          await expectFerriteError(
            service.listVersions({ ...where, filename: 'doc' }),
            InvalidArgumentError,
          );
          await expectFerriteError(service.listArtifactKeys(where), InvalidArgumentError);
          await expectFerriteError(
            service.deleteArtifact({ ...where, filename: 'doc' }),
            InvalidArgumentError,
          );
          await expectFerriteError(
            service.getArtifactVersion!({ ...where, filename: 'doc' }),
            InvalidArgumentError,
          );
        }
      }
      expect(await versions('doc')).toEqual([0]);
    });

    it('rejects a part without inlineData, text or fileData, writing nothing', async () => {
      const bad: Part[] = [
        {},
        { functionCall: { id: 'c', name: 'f', args: {} } },
        { thought: true },
      ];
      for (const artifact of bad) {
        await expectFerriteError(save('doc', artifact), InvalidArgumentError);
      }
      expect(await versions('doc')).toEqual([]);
      expect(await keys()).toEqual([]);
    });

    it('rejects a negative or fractional version with InvalidArgumentError', async () => {
      await save('doc', { text: 'x' });
      await expectFerriteError(load('doc', { version: -1 }), InvalidArgumentError);
      await expectFerriteError(load('doc', { version: 0.5 }), InvalidArgumentError);
      await expectFerriteError(describeVersion('doc', { version: -1 }), InvalidArgumentError);
    });
  });
}
