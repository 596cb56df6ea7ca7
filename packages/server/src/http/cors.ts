import { HttpError } from './http-error.js';

/** Cross-origin settings; CORS is off unless these are given. */
export interface CorsOptions {
  /** Allowed origins: `'*'`, a list, or a predicate. */
  origin: string | readonly string[] | ((origin: string) => boolean);
  /** Send `Access-Control-Allow-Credentials: true` (needs a concrete origin). */
  credentials?: boolean;
  /**
   * Request headers a browser may send (default: content-type, authorization, last-event-id,
   * x-ferrite-detach).
   */
  allowHeaders?: readonly string[];
  /** Seconds a browser may cache a preflight answer (default 600). */
  maxAge?: number;
}

const METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';

const ALLOW_HEADERS = ['content-type', 'authorization', 'last-event-id', 'x-ferrite-detach'];

/**
 * Answer headers a page may read: the next page's cursor of a listing, and the invocation id of
 * a run (what a client needs to attach to a detached run).
 */
const EXPOSE_HEADERS = 'x-next-cursor, x-ferrite-invocation-id';

/** The CORS headers for a request's `Origin`, or none when that origin is not allowed. */
export function corsHeaders(options: CorsOptions, request: Request): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!origin || !allowed(options.origin, origin)) return {};
  const headers: Record<string, string> = {
    'access-control-allow-origin': options.origin === '*' && !options.credentials ? '*' : origin,
    'access-control-expose-headers': EXPOSE_HEADERS,
  };
  if (options.origin !== '*' || options.credentials) headers.vary = 'Origin';
  if (options.credentials) headers['access-control-allow-credentials'] = 'true';
  return headers;
}

/** The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`). */
export function preflightResponse(options: CorsOptions, request: Request): Response {
  const headers = corsHeaders(options, request);
  if (headers['access-control-allow-origin']) {
    headers['access-control-allow-methods'] = METHODS;
    headers['access-control-allow-headers'] = (options.allowHeaders ?? ALLOW_HEADERS).join(', ');
    headers['access-control-max-age'] = String(options.maxAge ?? 600);
  }
  return new Response(null, { status: 204, headers });
}

/**
 * Refuses (403 `origin.not_allowed`) a request that a page of another origin sent, unless the
 * CORS settings allow that origin. Browsers send `Origin` with every POST, PATCH and DELETE
 * (simple requests included) and with cross-origin reads, so a page can neither drive the
 * server nor read it without being allowed. Without an `Origin` (curl, servers) or from the
 * server's own host, nothing is checked. Same origin compares the host and port only, so a
 * TLS-terminating proxy (`https://` outside, `http://` inside) keeps working.
 */
export function originRefusal(
  options: CorsOptions | undefined,
  request: Request,
  url: URL,
): HttpError | undefined {
  const origin = request.headers.get('origin');
  if (origin === null) return undefined;
  if (origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host === url.host) return undefined;
  }
  if (options && allowed(options.origin, origin)) return undefined;
  return new HttpError(
    `requests from origin ${JSON.stringify(origin)} are not allowed` +
      (options ? '' : ' (CORS is off: configure cors.origin to allow one)'),
    { code: 'origin.not_allowed' },
  );
}

function allowed(rule: CorsOptions['origin'], origin: string): boolean {
  if (rule === '*') return true;
  if (typeof rule === 'string') return rule === origin;
  if (typeof rule === 'function') return rule(origin);
  return rule.includes(origin);
}
