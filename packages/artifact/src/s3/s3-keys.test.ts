import { describe, expect, it } from 'vitest';
import { decodeFilename, encodeFilename, parseObjectKey } from './s3-keys.js';

describe('S3 key encoding', () => {
  it('round-trips filenames and escapes what S3 tools mishandle', () => {
    const names = [
      'a.txt',
      'user:profile',
      '50% off (final).pdf',
      'a+b~c#d?e&f',
      'résumé ✓.txt',
      '!!',
      'tab\there',
      '\u0085x',
      '😀',
    ];
    for (const name of names) {
      const encoded = encodeFilename(name);
      expect(encoded).not.toMatch(/[ %+~#?&\t\u0085/\\]/u);
      expect(decodeFilename(encoded)).toBe(name);
    }
    expect(encodeFilename('50% off')).toBe('50!25!20off');
    expect(encodeFilename('é'.repeat(127) + 'x')).toHaveLength(128);
  });

  it('rejects segments the encoder cannot have produced', () => {
    for (const segment of ['a b', '!2', '!zz', 'a%20b', '!61'])
      expect(decodeFilename(segment)).toBeUndefined();
  });

  it('tells versions from claim markers and ignores foreign keys', () => {
    const dir = 'p/app/u/s/';
    expect(parseObjectKey(dir, `${dir}a.txt/12`)).toEqual({
      type: 'version',
      filename: 'a.txt',
      version: 12,
    });
    expect(parseObjectKey(dir, `${dir}a.txt/3.claim.0f8fad5b-d9cb-469f-a165-70867728950e`)).toEqual(
      {
        type: 'claim',
        filename: 'a.txt',
        version: 3,
        claimId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      },
    );
    for (const key of [
      `${dir}a.txt/01`,
      `${dir}a.txt/x`,
      `${dir}a.txt`,
      `${dir}a/b/1`,
      'other/a/1',
    ]) {
      expect(parseObjectKey(dir, key)).toBeUndefined();
    }
  });
});
