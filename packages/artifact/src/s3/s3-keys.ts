import { InvalidArgumentError, validateFilename, validateName } from '@ferrite/core';

/** S3 rejects keys longer than this many UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** ASCII characters kept as they are in a key; other ASCII bytes become `!XX` (hex). */
const KEPT_ASCII = /^[A-Za-z0-9._:'()*-]$/;
/** Non-ASCII characters that are escaped too (C1 controls, separators, BOM). */
const ESCAPED_NON_ASCII = /^[\u0080-\u009f\u2028\u2029\ufeff]$/u;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const VERSION_SEGMENT = /^(0|[1-9][0-9]{0,14})$/;
const CLAIM_SEGMENT = /^(0|[1-9][0-9]{0,14})\.claim\.([0-9a-f-]{36})$/;
/** Directory of the artifacts whose filename starts `user:`. */
const USER_SCOPE_DIR = 'user';

/**
 * Encodes a filename as one key segment, reversibly: ASCII outside `[A-Za-z0-9._:'()*-]`
 * (spaces, `%`, `+`, `~`, `#`, `!`, control bytes, ...) becomes `!` and two upper-case hex
 * digits per byte; other characters stay as UTF-8, so a 255-byte filename of letters stays
 * within 255 bytes (one directory name on filesystem-backed stores).
 */
export function encodeFilename(filename: string): string {
  let encoded = '';
  for (const char of filename) {
    if (
      char.length === 1 && char < '\u0080' ? KEPT_ASCII.test(char) : !ESCAPED_NON_ASCII.test(char)
    ) {
      encoded += char;
    } else {
      for (const byte of Buffer.from(char, 'utf8'))
        encoded += `!${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return encoded;
}

/** Reverses {@link encodeFilename}; undefined for a segment it cannot have produced. */
export function decodeFilename(segment: string): string | undefined {
  const bytes: number[] = [];
  for (const token of segment.matchAll(/!([0-9A-F]{2})|!|[^!]/gsu)) {
    if (token[1] !== undefined) bytes.push(Number.parseInt(token[1], 16));
    else if (token[0] === '!') return undefined;
    else bytes.push(...Buffer.from(token[0], 'utf8'));
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  return encodeFilename(decoded) === segment ? decoded : undefined;
}

/** The scope of one session's artifacts, validated. */
export interface ArtifactDirs {
  /** `{prefix}{app}/{user}/{session}/` */
  session: string;
  /** `{prefix}{app}/{user}/user/` */
  user: string;
  /** True for a session named `user`, whose directory is the user scope's. */
  sessionIsUserDir: boolean;
}

/** Validates the names of a scope and returns its two key prefixes. */
export function artifactDirs(
  prefix: string,
  scope: { appName: string; userId: string; sessionId: string },
): ArtifactDirs {
  const base = `${prefix}${validateName('appName', scope.appName)}/${validateName('userId', scope.userId)}/`;
  const sessionId = validateName('sessionId', scope.sessionId);
  return {
    session: `${base}${sessionId}/`,
    user: `${base}${USER_SCOPE_DIR}/`,
    sessionIsUserDir: sessionId === USER_SCOPE_DIR,
  };
}

/**
 * Validates everything that names one artifact and returns the prefix of its objects,
 * `{prefix}{app}/{user}/{session | 'user'}/{encoded filename}/`.
 */
export function artifactPrefix(
  prefix: string,
  options: { appName: string; userId: string; sessionId: string; filename: string },
): string {
  const filename = validateFilename(options.filename);
  if (LONE_SURROGATE.test(filename)) {
    throw new InvalidArgumentError(
      'artifact filename must be well-formed Unicode to be stored in S3',
    );
  }
  const dirs = artifactDirs(prefix, options);
  const fileKey = `${filename.startsWith('user:') ? dirs.user : dirs.session}${encodeFilename(filename)}/`;
  // The longest key written is a claim marker: `{version}.claim.{uuid}`.
  if (Buffer.byteLength(fileKey, 'utf8') + 15 + 7 + 36 > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `artifact filename is too long for an S3 key once encoded (keys are limited to ${MAX_KEY_BYTES} bytes)`,
    );
  }
  return fileKey;
}

/** What one object key under an artifact prefix is. */
export type ParsedObjectKey =
  | { type: 'version'; filename: string; version: number }
  | { type: 'claim'; filename: string; version: number; claimId: string };

/** Parses a key under a scope directory (`dir`); undefined for keys Ferrite did not write. */
export function parseObjectKey(dir: string, key: string): ParsedObjectKey | undefined {
  if (!key.startsWith(dir)) return undefined;
  const rest = key.slice(dir.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || rest.indexOf('/', slash + 1) !== -1) return undefined;
  const filename = decodeFilename(rest.slice(0, slash));
  if (filename === undefined) return undefined;
  const last = rest.slice(slash + 1);
  if (VERSION_SEGMENT.test(last)) return { type: 'version', filename, version: Number(last) };
  const claim = CLAIM_SEGMENT.exec(last);
  if (claim) return { type: 'claim', filename, version: Number(claim[1]), claimId: claim[2]! };
  return undefined;
}

/** The key of the claim marker `claimId` puts on `version` (see README, "Version allocation"). */
export function claimKey(filePrefix: string, version: number, claimId: string): string {
  return `${filePrefix}${version}.claim.${claimId}`;
}
