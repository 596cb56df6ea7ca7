import type { Event, FerriteErrorCode } from '@ferrite/core';
import { eventToWire } from '../wire/wire-times.js';

const encoder = new TextEncoder();

/** The headers of every Server-Sent Events answer. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
});

/**
 * One event as an SSE frame: `id:` only for stored (non-partial) events, then `data:` with the
 * event in its wire form (timestamp in seconds).
 */
export function eventFrame(event: Event): Uint8Array {
  // JSON.stringify escapes newlines, so the payload always fits on one `data:` line.
  const data = JSON.stringify(eventToWire(event));
  return encoder.encode(event.partial ? `data: ${data}\n\n` : `id: ${event.id}\ndata: ${data}\n\n`);
}

/** The frame that ends a stream on failure. */
export function errorFrame(error: { error: string; code: FerriteErrorCode }): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(error)}\n\n`);
}

/** A comment frame (ignored by clients; keeps proxies and idle timers from closing the stream). */
export function commentFrame(text: string): Uint8Array {
  return encoder.encode(`: ${text}\n\n`);
}
