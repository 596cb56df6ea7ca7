import { InvalidArgumentError } from '@ferrite/core';
import { HttpError } from './http-error.js';

/**
 * Reads a request body as JSON, refusing it (413) as soon as more than `limit` bytes have
 * arrived, so an oversized upload is never buffered whole. An empty body reads as undefined.
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const typed = request.headers.has('content-type');
  if (!typed && declared > 0) throw notJson(null);
  if (!request.body) return undefined;
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  if (!typed) throw notJson(null);
  const text = new TextDecoder().decode(Buffer.concat(chunks, size));
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`request body is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Refuses a request that carries a body of another type than `application/json` (415): a web
 * page can send `text/plain` or a form to any server without asking first (a CORS "simple
 * request"), but never `application/json`. An absent type is refused once a body turns up.
 */
export function requireJsonType(request: Request): void {
  const type = request.headers.get('content-type');
  if (type === null) return;
  const media = type.split(';', 1)[0]!.trim().toLowerCase();
  if (media !== 'application/json') throw notJson(type);
}

function notJson(type: string | null): HttpError {
  const got = type === null ? 'no Content-Type' : `Content-Type ${JSON.stringify(type)}`;
  return new HttpError(`request bodies must be application/json, got ${got}`, { status: 415 });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(`request body is larger than ${limit} bytes`, { status: 413 });
}
