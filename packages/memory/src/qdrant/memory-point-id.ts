import { createHash } from 'node:crypto';

/** Namespace of Ferrite's memory point ids (a fixed, random UUID). */
const NAMESPACE = Buffer.from('5b0c7a51e2d94c3f9a8e6d1f0b2c4e77', 'hex');

/**
 * The Qdrant point id of one remembered event: a name-based UUID (version 5: SHA-1 over a
 * namespace and the name, RFC 9562) of app, user, session and event id, so adding a session
 * again overwrites its points instead of adding new ones.
 */
export function memoryPointId(
  appName: string,
  userId: string,
  sessionId: string,
  eventId: string,
): string {
  // JSON keeps the four parts apart whatever characters they hold.
  const name = JSON.stringify([appName, userId, sessionId, eventId]);
  const bytes = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
