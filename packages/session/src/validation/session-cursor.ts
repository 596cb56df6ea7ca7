import { InvalidArgumentError, isValidName } from '@ferrite/core';

/** The position of a session in the `listSessions` order, carried by an opaque cursor. */
export interface SessionCursor {
  lastUpdateTime: number;
  id: string;
  userId: string;
}

/** Encodes the last session of a page as an opaque cursor (base64url of its sort key). */
export function encodeSessionCursor(position: SessionCursor): string {
  const json = JSON.stringify([position.lastUpdateTime, position.id, position.userId]);
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeSessionCursor}; anything else is an {@link InvalidArgumentError}. */
export function decodeSessionCursor(cursor: unknown): SessionCursor {
  let parsed: unknown;
  try {
    if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
      throw new Error('not base64url');
    }
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidArgumentError('malformed listSessions cursor', { cause: error });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[0] !== 'number' ||
    !Number.isFinite(parsed[0]) ||
    !isValidName(parsed[1]) ||
    !isValidName(parsed[2])
  ) {
    throw new InvalidArgumentError('malformed listSessions cursor');
  }
  return { lastUpdateTime: parsed[0], id: parsed[1], userId: parsed[2] };
}

/** The `listSessions` order: newest `lastUpdateTime` first, then id, then user id (code units). */
export function compareSessionPositions(a: SessionCursor, b: SessionCursor): number {
  if (a.lastUpdateTime !== b.lastUpdateTime) return b.lastUpdateTime - a.lastUpdateTime;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.userId !== b.userId) return a.userId < b.userId ? -1 : 1;
  return 0;
}
