import {
  ERROR_STATUS,
  FerriteError,
  InternalError,
  InvalidArgumentError,
  SessionExistsError,
  SessionNotFoundError,
  UnavailableError,
} from '@ferrite/core';
import { describe, expect, it } from 'vitest';
import { TableNames } from './table-names.js';
import {
  endpointOf,
  isConnectionError,
  isOutage,
  isRetryable,
  redact,
  toStoreError,
} from './store-errors.js';

// Driver errors are built by hand here: these are the shapes `pg` produces (code, constraint,
// message), including ones a live server cannot be made to produce on demand, such as a
// message that echoes a password. The end-to-end paths run against PostgreSQL in the other files.
const driverError = (fields: { code?: string; message?: string; [field: string]: unknown }) =>
  Object.assign(new Error(fields.message ?? 'driver failure'), fields);

describe('endpointOf and redact', () => {
  it('reads host:port and the password, raw and percent-decoded, from a connection string', () => {
    const endpoint = endpointOf({
      connectionString: 'postgres://app:p%40ss%2Fw@db.internal/agents',
    });
    expect(endpoint.address).toBe('db.internal:5432');
    expect(endpoint.secrets).toEqual(expect.arrayContaining(['p%40ss%2Fw', 'p@ss/w']));
    expect(redact('auth failed for p@ss/w and p%40ss%2Fw', endpoint)).toBe(
      'auth failed for *** and ***',
    );
  });

  it('reads them from pool options too, and knows no address for a non-URL string', () => {
    expect(endpointOf({ host: 'pg', port: 6543, password: 'hunter2' })).toEqual({
      address: 'pg:6543',
      secrets: ['hunter2'],
    });
    expect(endpointOf({ connectionString: 'not a url' })).toEqual({
      address: undefined,
      secrets: [],
    });
  });
});

describe('toStoreError', () => {
  const schema = new TableNames('ferrite', 'agent_');
  const endpoint = endpointOf({ connectionString: 'postgres://app:Tr0ub4dor@db.internal:6543/x' });

  it('maps a duplicate session key to SessionExistsError and a duplicate event id to invalid_argument, keeping the cause', () => {
    const duplicate = driverError({ code: '23505', constraint: 'agent_sessions_pkey' });
    const exists = toStoreError(duplicate, 'createSession', schema, endpoint);
    expect(SessionExistsError.isInstance(exists)).toBe(true);
    expect(exists.cause).toBe(duplicate);
    const event = toStoreError(
      driverError({ code: '23505', constraint: 'agent_events_id_key' }),
      'appendEvent',
      schema,
      endpoint,
    );
    expect(InvalidArgumentError.isInstance(event)).toBe(true);
    // Another table's unique violation (another prefix) is not a duplicate session.
    const foreign = toStoreError(
      driverError({ code: '23505', constraint: 'sessions_pkey' }),
      'createSession',
      schema,
      endpoint,
    );
    expect(InternalError.isInstance(foreign)).toBe(true);
  });

  it('maps values PostgreSQL cannot hold to invalid_argument', () => {
    for (const code of ['22P02', '22P05', '54000']) {
      const error = toStoreError(driverError({ code }), 'appendEvent', schema, endpoint);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
    }
  });

  it('names host:port of a connection failure and removes the password from the message', () => {
    const refused = driverError({
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED for postgres://app:Tr0ub4dor@db.internal:6543/x',
    });
    const error = toStoreError(refused, 'getSession', schema, endpoint);
    expect(error.code).toBe('unavailable');
    expect(error.message).toContain('getSession: cannot reach PostgreSQL at db.internal:6543');
    expect(error.message).not.toContain('Tr0ub4dor');
    expect(error.message).toContain('***');
    expect(error.cause).toBe(refused);
  });

  it('maps every kind of outage to unavailable (503) and keeps the cause; refused credentials stay internal', () => {
    const outages = [
      driverError({ code: 'ECONNREFUSED' }),
      driverError({ code: 'ECONNRESET' }),
      driverError({
        code: '57P01',
        message: 'terminating connection due to administrator command',
      }),
      driverError({ code: '57P03', message: 'the database system is starting up' }),
      driverError({ code: '08006', message: 'connection failure' }),
      driverError({ code: '08001' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ];
    for (const outage of outages) {
      const error = toStoreError(outage, 'appendEvent', schema, endpoint);
      expect([error.code, ERROR_STATUS[error.code]], outage.message).toEqual(['unavailable', 503]);
      expect(UnavailableError.isInstance(error)).toBe(true);
      expect(error.cause).toBe(outage);
      expect(error.message).toContain('cannot reach PostgreSQL at db.internal:6543');
    }
    for (const code of ['28P01', '28000', '3D000']) {
      const error = toStoreError(driverError({ code }), 'getSession', schema, endpoint);
      expect(InternalError.isInstance(error), code).toBe(true);
      expect(error.message).toContain('PostgreSQL at db.internal:6543 refused the connection');
    }
    // A constraint violation or bad SQL is no outage.
    expect(toStoreError(driverError({ code: '23503' }), 'x', schema, endpoint).code).toBe(
      'internal',
    );
    expect(toStoreError(driverError({ code: '42601' }), 'x', schema, endpoint).code).toBe(
      'internal',
    );
  });

  it('prefers the address the socket error reports', () => {
    const error = toStoreError(
      driverError({ code: 'ECONNREFUSED', address: '10.0.0.7', port: 5433 }),
      'getSession',
      schema,
      endpoint,
    );
    expect(error.message).toContain('10.0.0.7:5433');
  });

  it('reports an unparseable connection string as invalid_argument without echoing it', () => {
    const url = 'postgres://app:se#cret@db/x';
    const parse = Object.assign(new TypeError('Invalid URL'), {
      code: 'ERR_INVALID_URL',
      input: url,
    });
    const error = toStoreError(
      parse,
      'createSession',
      schema,
      endpointOf({ connectionString: url }),
    );
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).not.toContain('se#cret');
    expect(error.message).toContain('percent-encoded');
  });

  it('says to run migrate() for missing tables, functions or schema', () => {
    for (const code of ['42P01', '42883', '3F000']) {
      const error = toStoreError(driverError({ code }), 'appendEvent', schema, endpoint);
      expect(InternalError.isInstance(error)).toBe(true);
      expect(error.message).toContain('run migrate()');
    }
  });

  it('passes Ferrite errors through and wraps anything else as internal', () => {
    const known = new SessionNotFoundError('gone');
    expect(toStoreError(known, 'appendEvent', schema, endpoint)).toBe(known);
    const odd = toStoreError('a string was thrown', 'listSessions', schema, endpoint);
    expect(FerriteError.isInstance(odd) && odd.code).toBe('internal');
    expect(odd.message).toContain('a string was thrown');
  });
});

describe('error classes', () => {
  it('treats connection codes and driver messages as connection errors, only those', () => {
    expect(isConnectionError(driverError({ code: '08006' }))).toBe(true);
    expect(isConnectionError(driverError({ code: '57P01' }))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(driverError({ code: '23505' }))).toBe(false);
    expect(isConnectionError(driverError({ code: '28P01' }))).toBe(true);
    expect(isOutage(driverError({ code: '28P01' }))).toBe(false);
    expect(isOutage(driverError({ code: '08003' }))).toBe(true);
    expect(isConnectionError(null)).toBe(false);
  });

  it('retries only deadlocks, serialization failures and terminated backends', () => {
    expect(isRetryable(driverError({ code: '40P01' }))).toBe(true);
    expect(isRetryable(driverError({ code: '40001' }))).toBe(true);
    // A pooled connection the server dropped while idle: the statement never ran.
    expect(isRetryable(driverError({ code: '57P01' }))).toBe(true);
    expect(isRetryable(driverError({ code: '57P02' }))).toBe(true);
    // A server starting up, or a connection that broke mid-statement, is not retried here.
    expect(isRetryable(driverError({ code: '57P03' }))).toBe(false);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isRetryable(driverError({ code: '23505' }))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });
});
