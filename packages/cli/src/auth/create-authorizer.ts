import { createHash, timingSafeEqual } from 'node:crypto';
import { isValidName } from '@ferrite/core';
import { HttpError, type AuthorizeResult } from '@ferrite/server';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './auth-config.js';

/**
 * The `authorize` of the handler for a scheme. A JWT's `sub` becomes the user of the request
 * (the handler runs with `otherUser: 'forbid'`, so naming another user is 403); a static token
 * is compared in constant time and acts as `AUTH_TOKEN_USER` when set.
 */
export function createAuthorizer(auth: AuthConfig): (request: Request) => Promise<AuthorizeResult> {
  if (auth.kind === 'token') {
    // Both sides are hashed first, so the comparison takes the same time whatever the lengths.
    const expected = digest(auth.token);
    return async (request) => {
      const presented = bearerOf(request);
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        throw new HttpError('a valid bearer token is required', { status: 401 });
      }
      return auth.userId !== undefined ? { userId: auth.userId } : undefined;
    };
  }
  const key: Uint8Array | JWTVerifyGetKey =
    'secret' in auth.key
      ? new TextEncoder().encode(auth.key.secret)
      : createRemoteJWKSet(new URL(auth.key.jwksUrl));
  const options = { issuer: auth.issuer, audience: auth.audience, algorithms: auth.algorithms };
  return async (request) => {
    const token = bearerOf(request);
    if (token === undefined) {
      throw new HttpError('a bearer token is required', { status: 401 });
    }
    let subject: unknown;
    try {
      // `key` is either kind; jose's overloads want one at a time.
      const { payload } =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, options)
          : await jwtVerify(token, key, options);
      subject = payload.sub;
    } catch (error) {
      throw verificationError(error);
    }
    if (typeof subject !== 'string' || !isValidName(subject)) {
      throw new HttpError('the token has no usable subject (sub)', { status: 401 });
    }
    return { userId: subject };
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function bearerOf(request: Request): string | undefined {
  const header = request.headers.get('authorization');
  return header === null ? undefined : /^Bearer +(\S+) *$/i.exec(header)?.[1];
}

/** jose's failures that say the token is bad (401); anything else means the keys are out of reach. */
const REJECTED_TOKEN_CODES = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

function verificationError(error: unknown): HttpError {
  const { code, claim } = (error ?? {}) as { code?: unknown; claim?: unknown };
  if (typeof code !== 'string' || !REJECTED_TOKEN_CODES.has(code)) {
    return new HttpError('the signing keys could not be fetched; try again later', {
      status: 503,
      cause: error,
    });
  }
  const reason =
    code === 'ERR_JWT_EXPIRED'
      ? 'the token has expired'
      : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && typeof claim === 'string'
        ? `the token's ${claim} claim is not accepted`
        : code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
          ? 'the token signature does not verify'
          : 'the token is not valid';
  return new HttpError(reason, { status: 401, cause: error });
}
