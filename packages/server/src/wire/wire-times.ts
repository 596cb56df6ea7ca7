import type { Event, EventInit, Session } from '@ferrite/core';

/**
 * Times cross the HTTP wire as ADK's reference server sends them and its Dev UI reads them:
 * seconds since the epoch with a fraction (`lastUpdateTime`, event `timestamp`). Ferrite's
 * TypeScript API and its stores keep milliseconds, so every body the server writes or reads
 * passes through these conversions, and nothing else in the server changes a time.
 */

/** Milliseconds since the epoch as wire seconds. */
export function secondsOf(milliseconds: number): number {
  return milliseconds / 1000;
}

/** Wire seconds as milliseconds, kept to the microsecond (Python's timestamps carry µs). */
function millisecondsOf(seconds: number): number {
  return Math.round(seconds * 1_000_000) / 1000;
}

/** An event as it is sent: a shallow copy with its timestamp in seconds. */
export function eventToWire(event: Event): Event {
  return { ...event, timestamp: secondsOf(event.timestamp) };
}

/** A session as it is sent: `lastUpdateTime` and every event's timestamp in seconds. */
export function sessionToWire(session: Session): Session {
  return {
    ...session,
    lastUpdateTime: secondsOf(session.lastUpdateTime),
    events: session.events.map(eventToWire),
  };
}

/** Event fields received on the wire (seconds), with the timestamp in milliseconds. */
export function eventInitFromWire(init: Record<string, unknown>): EventInit {
  const { timestamp } = init;
  if (typeof timestamp !== 'number') return init;
  return { ...(init as EventInit), timestamp: millisecondsOf(timestamp) };
}
