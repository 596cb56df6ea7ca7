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
export function httpStatusOf(error: FerriteError): number {
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

/** The public `{ error, code }` of an error: internal failures do not leak their details. */
export function errorBody(error: FerriteError): { error: string; code: FerriteErrorCode } {
  const message = error.code === 'internal' ? 'internal error' : error.message;
  return { error: message, code: error.code };
}

/** The JSON error answer for anything thrown while handling a request. */
export function errorResponse(error: unknown): Response {
  const ferrite = toFerriteError(error);
  const headers: Record<string, string> = {};
  // An unread request body over the limit makes the connection unusable for a next request.
  if (ferrite.code === 'request.too_large') headers.connection = 'close';
  return jsonResponse(errorBody(ferrite), httpStatusOf(ferrite), headers);
}
