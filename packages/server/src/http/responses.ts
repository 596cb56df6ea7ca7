import {
  statusOfCode,
  toFerriteError,
  type FerriteError,
  type FerriteErrorCode,
} from '@ferrite/core';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/**
 * The HTTP status of a Ferrite error: core's exhaustive code → status table (SPEC §9), so a run
 * that fails on its own (a model, tool or guard error, a transfer to an unknown agent) is a 500.
 */
function httpStatusOf(error: FerriteError): number {
  return statusOfCode(error.code);
}

/** A JSON answer. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers?: Record<string, string>,
): Response {
  const merged = new Headers(headers);
  merged.set('content-type', JSON_HEADERS['content-type']);
  return new Response(JSON.stringify(body ?? null), { status, headers: merged });
}

/** The public answer of a failed request or run, and the SSE error frame. */
export interface ErrorBody {
  error: string;
  code: FerriteErrorCode;
  /** The guardrail that tripped or failed (`guardrail.*` codes). */
  guardrailName?: string;
  /** What a tripped guardrail reported, when it is JSON of at most {@link MAX_OUTPUT_INFO_BYTES}. */
  outputInfo?: unknown;
}

/** Largest `outputInfo` (as UTF-8 JSON) an error body carries; a larger one is left out. */
const MAX_OUTPUT_INFO_BYTES = 4096;

/** The value as JSON-safe data when it serialises within the bound; undefined otherwise. */
function boundedJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (text === undefined || Buffer.byteLength(text, 'utf8') > MAX_OUTPUT_INFO_BYTES)
    return undefined;
  return JSON.parse(text) as unknown;
}

/**
 * The public `{ error, code }` of an error (`internal` and `unavailable` failures do not leak
 * their details); a guardrail error adds `guardrailName` and, for a trip, `outputInfo` (when
 * JSON-storable and bounded).
 */
export function errorBody(error: FerriteError): ErrorBody {
  // Neither a failure of the server's own nor a backend it could not reach (whose message names
  // the backend's address) tells the client more than its code.
  const message =
    error.code === 'internal'
      ? 'internal error'
      : error.code === 'unavailable'
        ? 'service unavailable'
        : error.message;
  const body: ErrorBody = { error: message, code: error.code };
  if (error.code.startsWith('guardrail.')) {
    const verdict = error as FerriteError & { guardrailName?: unknown; outputInfo?: unknown };
    if (typeof verdict.guardrailName === 'string') body.guardrailName = verdict.guardrailName;
    const info = boundedJson(verdict.outputInfo);
    if (info !== undefined) body.outputInfo = info;
  }
  return body;
}

/** The JSON error answer for anything thrown while handling a request. */
export function errorResponse(error: unknown): Response {
  const ferrite = toFerriteError(error);
  const headers: Record<string, string> = {};
  // An unread request body over the limit makes the connection unusable for a next request.
  if (ferrite.code === 'request.too_large') headers.connection = 'close';
  return jsonResponse(errorBody(ferrite), httpStatusOf(ferrite), headers);
}
