import { createHash } from 'node:crypto';
import { resolve, sep } from 'node:path';
import { InvalidArgumentError } from '@ferrite/core';

/** Longest directory name written for a filename; most file systems allow 255 bytes. */
const MAX_ENCODED_BYTES = 200;
/** Marks a directory named by a hash (the name is kept in {@link NAME_FILE}); `#` never survives encoding. */
const HASHED_PREFIX = '#';
/** Holds the original filename inside a hashed directory. */
export const NAME_FILE = '.name';

/**
 * The directory name of an artifact filename: percent-encoded (so `:`, `%` and non-ASCII
 * characters are safe on any file system, and a leading dot is escaped), or a hash when the
 * encoded name would be too long.
 */
export function encodeFilename(filename: string): { directory: string; hashed: boolean } {
  const encoded = encodeURIComponent(filename).replace(/^\./, '%2E').replace(/\*/g, '%2A');
  if (Buffer.byteLength(encoded) <= MAX_ENCODED_BYTES) return { directory: encoded, hashed: false };
  const digest = createHash('sha256').update(filename, 'utf8').digest('hex');
  return { directory: `${HASHED_PREFIX}${digest}`, hashed: true };
}

/** The filename of an encoded directory name; undefined for a hashed one (read {@link NAME_FILE}). */
export function decodeDirectory(directory: string): string | undefined {
  if (directory.startsWith(HASHED_PREFIX)) return undefined;
  try {
    return decodeURIComponent(directory);
  } catch {
    return undefined;
  }
}

/** True for a directory name this store could have written. */
export function isArtifactDirectory(directory: string): boolean {
  return !directory.startsWith('.');
}

/** Joins `segments` under `root`, refusing any result outside it. */
export function resolveInside(root: string, ...segments: string[]): string {
  const path = resolve(root, ...segments);
  if (!path.startsWith(root + sep)) {
    throw new InvalidArgumentError('artifact path escapes the root directory');
  }
  return path;
}
