import {
  FerriteError,
  InternalError,
  InvalidArgumentError,
  SessionExistsError,
  UnavailableError,
} from '@ferrite/core';
import type { TableNames } from './table-names.js';

/** What the service knows about its server, to name it in errors without any credential. */
export interface StoreEndpoint {
  /** `host:port` when known. */
  address?: string;
  /** Strings that must never appear in a message (passwords). */
  secrets: string[];
}

/** Codes that mean the server is away or dropped the connection: try again later. */
const OUTAGE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

/** Codes of a connection the server refused for its settings: retrying does not help. */
const REFUSED_CODES = new Set([
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name (no such database)
]);

/** Reads the endpoint (and the password to hide) from a connection string or pool options. */
export function endpointOf(options: {
  connectionString?: unknown;
  host?: unknown;
  port?: unknown;
  password?: unknown;
}): StoreEndpoint {
  const secrets: string[] = [];
  let host = typeof options.host === 'string' ? options.host : undefined;
  let port =
    typeof options.port === 'number' || typeof options.port === 'string'
      ? String(options.port)
      : undefined;
  if (typeof options.password === 'string' && options.password !== '')
    secrets.push(options.password);
  if (typeof options.connectionString === 'string') {
    try {
      const url = new URL(options.connectionString);
      host = url.hostname || host;
      port = url.port || port || '5432';
      if (url.password !== '') secrets.push(url.password, decodeURIComponent(url.password));
    } catch {
      // Not a URL (a socket path or key=value string): the driver's own error names the target.
    }
  }
  return { address: host === undefined ? undefined : `${host}:${port ?? '5432'}`, secrets };
}

/** Removes every known secret from a message. */
export function redact(message: string, endpoint: StoreEndpoint): string {
  let result = message;
  for (const secret of endpoint.secrets) result = result.split(secret).join('***');
  return result;
}

/**
 * True for errors that mean the server could not be reached, dropped the connection or refused
 * it (the client that saw one is never reused).
 */
export function isConnectionError(error: unknown): boolean {
  if (isOutage(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && REFUSED_CODES.has(code);
}

/**
 * True for errors that mean the server is unavailable for now: unreachable (refused, reset,
 * unknown host, timed out), shutting down or starting (`57P01`–`57P03`), a connection exception
 * (`08xxx`), a connection that ended mid-call, or the pool's connect timeout.
 */
export function isOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (OUTAGE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout expired|timeout exceeded when trying to connect|Connection ended/i.test(
      message,
    )
  );
}

/**
 * True for failures that rolled the statement back and may succeed when simply retried: a
 * deadlock, a serialisation failure, or a backend the server terminated (`57P01`, `57P02`: its
 * transaction is rolled back). The last is what a pooled connection the server dropped while
 * idle answers when the pool hands it out before it has noticed; the connection is discarded,
 * so the retry runs on another.
 */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001' || code === '57P01' || code === '57P02';
}

/**
 * The error of a PostgreSQL server that is away: code `unavailable` (HTTP 503, worth retrying
 * later), the driver error as `cause`.
 */
export function storeUnavailable(message: string, cause: unknown): FerriteError {
  return new UnavailableError(message, { cause });
}

/**
 * Turns a driver error into a {@link FerriteError} with the original as `cause`: a duplicate
 * session becomes `session.exists`, a duplicate event id or a value PostgreSQL cannot store
 * `invalid_argument`, a server that is away `unavailable`, the rest `internal` (naming
 * host:port, never a password).
 */
export function toStoreError(
  error: unknown,
  operation: string,
  schema: TableNames,
  endpoint: StoreEndpoint,
): FerriteError {
  if (FerriteError.isInstance(error)) return error;
  // The driver's URL parser rejects the connection string; its `input` holds the password, so
  // nothing of it goes into the message.
  if ((error as { code?: unknown } | null)?.code === 'ERR_INVALID_URL') {
    return new InvalidArgumentError(
      `${operation}: the PostgreSQL connection string is not a valid URL (characters such as # / @ : in the password must be percent-encoded)`,
      { cause: error },
    );
  }
  const { code, constraint, message } = (error ?? {}) as {
    code?: unknown;
    constraint?: unknown;
    message?: unknown;
  };
  const detail = redact(typeof message === 'string' ? message : String(error), endpoint);
  if (code === '23505' && constraint === schema.name('sessions_pkey')) {
    return new SessionExistsError(`${operation}: the session already exists`, { cause: error });
  }
  if (code === '23505' && constraint === schema.name('events_id_key')) {
    return new InvalidArgumentError(
      `${operation}: the session already holds an event with this id`,
      {
        cause: error,
      },
    );
  }
  // 22P02/22P05: text PostgreSQL cannot hold in jsonb (e.g. \u0000); 54000: a value too large.
  if (code === '22P02' || code === '22P05' || code === '54000') {
    return new InvalidArgumentError(`${operation}: PostgreSQL cannot store this value: ${detail}`, {
      cause: error,
    });
  }
  if (isConnectionError(error)) {
    const where = connectionAddress(error) ?? endpoint.address ?? 'the configured server';
    if (isOutage(error)) {
      return storeUnavailable(
        `${operation}: cannot reach PostgreSQL at ${where}: ${detail}`,
        error,
      );
    }
    // Wrong credentials or no such database: a setting to fix, not an outage to wait out.
    return new InternalError(
      `${operation}: PostgreSQL at ${where} refused the connection: ${detail}`,
      {
        cause: error,
      },
    );
  }
  // Undefined table, schema or function: the schema was never migrated, or is older than this code.
  if (code === '42P01' || code === '3F000' || code === '42883') {
    return new InternalError(
      `${operation}: the session tables in schema "${schema.schema}" are missing or out of date; run migrate() (${detail})`,
      { cause: error },
    );
  }
  return new InternalError(`${operation}: PostgreSQL failed: ${detail}`, { cause: error });
}

function connectionAddress(error: unknown): string | undefined {
  const { address, port } = error as { address?: unknown; port?: unknown };
  return typeof address === 'string' && typeof port === 'number' ? `${address}:${port}` : undefined;
}
