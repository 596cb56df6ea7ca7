/**
 * Milliseconds a server asks a client to wait before trying again: `retry-after-ms` (sent by
 * OpenAI) when valid, else `Retry-After` as seconds or an HTTP date (a past date is 0).
 * `undefined` when neither header holds a usable value.
 */
export function parseRetryAfter(headers: Headers): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '') {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
