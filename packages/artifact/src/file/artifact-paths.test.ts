import { InvalidArgumentError } from '@ferrite/core';
import { describe, expect, it } from 'vitest';
import { decodeDirectory, encodeFilename, resolveInside } from './artifact-paths.js';

describe('artifact paths', () => {
  it('encodes reversibly, escaping a leading dot', () => {
    for (const filename of ['a:b', '50% off', '...', '.hidden', 'é✓', "it's (1)*"]) {
      const { directory, hashed } = encodeFilename(filename);
      expect(hashed).toBe(false);
      expect(directory).not.toMatch(/^\./);
      expect(directory).toMatch(/^[A-Za-z0-9%._~!'()-]+$/);
      expect(decodeDirectory(directory)).toBe(filename);
    }
  });

  it('hashes a name whose encoding is too long', () => {
    const { directory, hashed } = encodeFilename('é'.repeat(100));
    expect(hashed).toBe(true);
    expect(directory).toMatch(/^#[0-9a-f]{64}$/);
    expect(decodeDirectory(directory)).toBeUndefined();
  });

  it('refuses a path that leaves the root', () => {
    expect(resolveInside('/srv/root', 'a', 'b')).toBe('/srv/root/a/b');
    for (const segments of [['..', 'x'], ['a', '../../x'], ['/etc']]) {
      expect(() => resolveInside('/srv/root', ...segments)).toThrow(InvalidArgumentError);
    }
  });
});
