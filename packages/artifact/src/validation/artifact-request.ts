import {
  InvalidArgumentError,
  USER_PREFIX,
  validateFilename,
  validateName,
  type ArtifactScope,
  type Part,
} from '@ferrite/core';

/** A validated artifact part with what every store records beside it. */
export interface ArtifactRecord {
  /**
   * A copy holding only the data field (and a display name for inline data); inline data is
   * standard, padded base64 whatever form the caller gave.
   */
  part: Part;
  /** The part's mime type (`text/plain` for text). */
  mimeType: string;
  /** Byte size of the decoded data (0 for a file reference). */
  size: number;
  /** The decoded bytes of inline data, so that a store need not decode it a second time. */
  bytes?: Buffer;
}

/** Inline data is compared with its re-encoding this many bytes at a time (a multiple of 3). */
const BASE64_CHUNK = 3 * 1024 * 1024;

/** Checks the app, user and session names of an artifact call; returns a clean copy. */
export function validateArtifactScope(scope: ArtifactScope): ArtifactScope {
  return {
    appName: validateName('appName', scope.appName),
    userId: validateName('userId', scope.userId),
    sessionId: validateName('sessionId', scope.sessionId),
  };
}

/** True when the filename belongs to the user rather than to one session. */
export function isUserArtifact(filename: string): boolean {
  return filename.startsWith(USER_PREFIX);
}

/** Checks a filename and, when given, a version (a non-negative integer). */
export function validateArtifactKey(filename: unknown, version?: unknown): string {
  const valid = validateFilename(filename);
  if (version !== undefined && (!Number.isInteger(version) || (version as number) < 0)) {
    throw new InvalidArgumentError(
      `artifact version must be a non-negative integer, got ${JSON.stringify(version) ?? typeof version}`,
    );
  }
  return valid;
}

/**
 * Validates an artifact part (it must carry exactly one of `inlineData`, `text` or `fileData`)
 * and returns a copy with its mime type and decoded size.
 */
export function toArtifactRecord(part: Part): ArtifactRecord {
  if (typeof part !== 'object' || part === null) {
    throw new InvalidArgumentError('artifact must be a Part object');
  }
  const present = [part.inlineData, part.text, part.fileData].filter(
    (field) => field !== undefined,
  );
  if (present.length !== 1) {
    throw new InvalidArgumentError(
      'artifact must carry exactly one of inlineData, text or fileData',
    );
  }
  if (part.inlineData !== undefined) {
    const { mimeType, data, displayName } = part.inlineData;
    if (typeof mimeType !== 'string' || typeof data !== 'string') {
      throw new InvalidArgumentError('artifact inlineData needs a string mimeType and base64 data');
    }
    const { bytes, canonical } = decodeBase64(data);
    const inlineData =
      displayName === undefined
        ? { mimeType, data: canonical }
        : { mimeType, data: canonical, displayName };
    return { part: { inlineData }, mimeType, size: bytes.length, bytes };
  }
  if (part.text !== undefined) {
    if (typeof part.text !== 'string')
      throw new InvalidArgumentError('artifact text must be a string');
    return {
      part: { text: part.text },
      mimeType: 'text/plain',
      size: Buffer.byteLength(part.text, 'utf8'),
    };
  }
  const { mimeType, fileUri } = part.fileData!;
  if (typeof mimeType !== 'string' || typeof fileUri !== 'string') {
    throw new InvalidArgumentError('artifact fileData needs a string mimeType and fileUri');
  }
  return { part: { fileData: { mimeType, fileUri } }, mimeType, size: 0 };
}

/** A JSON copy of custom metadata; {@link InvalidArgumentError} when it cannot be stored as JSON. */
export function toStorableMetadata(
  metadata: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidArgumentError('artifact customMetadata must be an object');
  }
  try {
    return JSON.parse(JSON.stringify(metadata)) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError('artifact customMetadata cannot be stored as JSON', {
      cause: error,
    });
  }
}

/**
 * Decodes inline data, accepting base64 in the standard or URL-safe alphabet with or without
 * padding, and nothing else (Node's decoder would silently skip stray characters and store
 * different bytes); returns the bytes and their standard, padded base64.
 */
function decodeBase64(data: string): { bytes: Buffer; canonical: string } {
  const bytes = Buffer.from(data, 'base64');
  if (encodesTo(bytes, data)) return { bytes, canonical: data };
  const canonical = bytes.toString('base64');
  const unpadded = canonical.replace(/=+$/, '');
  const urlSafe = bytes.toString('base64url');
  if (
    data === unpadded ||
    data === urlSafe ||
    data === urlSafe + canonical.slice(unpadded.length)
  ) {
    return { bytes, canonical };
  }
  throw new InvalidArgumentError(
    'artifact inlineData.data must be base64 (standard or URL-safe alphabet, no whitespace)',
  );
}

/** True when `data` is exactly the standard base64 of `bytes`, compared a chunk at a time. */
function encodesTo(bytes: Buffer, data: string): boolean {
  if (data.length !== Math.ceil(bytes.length / 3) * 4) return false;
  for (let offset = 0; offset < bytes.length; offset += BASE64_CHUNK) {
    const piece = bytes.subarray(offset, offset + BASE64_CHUNK).toString('base64');
    const start = (offset / 3) * 4;
    if (data.slice(start, start + piece.length) !== piece) return false;
  }
  return true;
}
