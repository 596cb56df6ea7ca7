/**
 * Every code a Ferrite error may carry (SPEC §2, and the HTTP layer's own). The union is closed:
 * an error class, `HttpError` or an SSE error frame can only name one of these, and
 * {@link ERROR_STATUS} must give each an HTTP status or the package does not compile.
 *
 * Adding a code is two lines: one member here, one entry in {@link ERROR_STATUS}.
 */
export type FerriteErrorCode =
  // Services, runs and models (SPEC §2).
  | 'invalid_argument'
  | 'session.exists'
  | 'session.not_found'
  | 'session.stale'
  | 'session.busy'
  | 'artifact.not_found'
  | 'agent.not_found'
  | 'agent.transfer_limit'
  | 'run.max_turns'
  | 'run.timeout'
  | 'run.output_limit'
  | 'model.behavior'
  | 'model.error'
  | 'tool.error'
  | 'target.error'
  | 'internal'
  // Callbacks, structured output and guardrails.
  | 'plugin.error'
  | 'model.output_invalid'
  | 'guardrail.input_tripwire'
  | 'guardrail.output_tripwire'
  | 'guardrail.error'
  // Human in the loop: an answer that does not bind to a pending request.
  | 'confirmation.mismatch'
  // Distributed runs: a queued run whose worker was lost (never run again).
  | 'run.worker_lost'
  | 'run.not_found'
  // The HTTP layer (SPEC §9, §13).
  | 'unauthorized'
  | 'forbidden'
  | 'user.forbidden'
  | 'host.not_allowed'
  | 'origin.not_allowed'
  | 'route.not_found'
  | 'app.not_found'
  | 'method_not_allowed'
  | 'request.too_large'
  | 'request.unsupported_media_type'
  | 'not_implemented'
  | 'unavailable';

/**
 * The HTTP status each code is answered with. A run that fails by itself (a model, tool, target
 * or guard error, a transfer to an agent that does not exist) is a 500: nothing in the request
 * was wrong. Typed as a full `Record`, so a code without a status is a compile error.
 */
export const ERROR_STATUS: Readonly<Record<FerriteErrorCode, number>> = Object.freeze({
  invalid_argument: 400,
  'session.exists': 409,
  'session.not_found': 404,
  'session.stale': 409,
  'session.busy': 409,
  'artifact.not_found': 404,
  'agent.not_found': 500,
  'agent.transfer_limit': 500,
  'run.max_turns': 500,
  'run.timeout': 500,
  'run.output_limit': 500,
  'model.behavior': 500,
  'model.error': 500,
  'tool.error': 500,
  'target.error': 500,
  internal: 500,
  'plugin.error': 500,
  'model.output_invalid': 500,
  'guardrail.input_tripwire': 422,
  'guardrail.output_tripwire': 500,
  'guardrail.error': 500,
  'confirmation.mismatch': 409,
  'run.worker_lost': 503,
  'run.not_found': 404,
  unauthorized: 401,
  forbidden: 403,
  'user.forbidden': 403,
  'host.not_allowed': 403,
  'origin.not_allowed': 403,
  'route.not_found': 404,
  'app.not_found': 404,
  method_not_allowed: 405,
  'request.too_large': 413,
  'request.unsupported_media_type': 415,
  not_implemented: 501,
  unavailable: 503,
});

/** True when `code` is one of the {@link FerriteErrorCode}s this copy of the package knows. */
export function isFerriteErrorCode(code: unknown): code is FerriteErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/**
 * The HTTP status of an error code; 500 for a code this copy does not know (an error from a
 * newer copy of the package), so an unknown failure never reads as the client's fault.
 */
export function statusOfCode(code: string): number {
  return isFerriteErrorCode(code) ? ERROR_STATUS[code] : 500;
}
