import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidArgumentError, isValidName } from '@ferrite/core';
import { HttpError, type AuthorizeResult } from '@ferrite/server';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

/** How requests are authenticated (`AUTH_*`). */
export type AuthConfig =
  | {
      /** `AUTH_TOKEN`: one shared bearer token, for single-user setups. */
      kind: 'token';
      token: string;
      /** `AUTH_TOKEN_USER`: the one user the token acts as; absent, it may name any user. */
      userId: string | undefined;
    }
  | {
      /** Bearer JWTs, one user each (their `sub`). */
      kind: 'jwt';
      /** `AUTH_JWT_ISSUER`: the `iss` a token must carry. */
      issuer: string;
      /** `AUTH_JWT_AUDIENCE`: the `aud` a token must carry. */
      audience: string;
      /** `AUTH_JWT_SECRET` (HS256) or `AUTH_JWKS_URL` (public keys of the issuer). */
      key: { secret: string } | { jwksUrl: string };
      /** `AUTH_JWT_ALGORITHMS`: accepted `alg`s (default HS256 with a secret, RS256 and ES256 with a JWKS). */
      algorithms: string[];
    };

/** Reads the `AUTH_*` variables; a bad or contradictory setting is an InvalidArgumentError naming it. */
export function readAuthConfig(
  value: (name: string) => string | undefined,
): AuthConfig | undefined {
  const token = value('AUTH_TOKEN');
  const tokenUser = value('AUTH_TOKEN_USER');
  const secret = value('AUTH_JWT_SECRET');
  const jwksUrl = value('AUTH_JWKS_URL');
  const issuer = value('AUTH_JWT_ISSUER');
  const audience = value('AUTH_JWT_AUDIENCE');
  const algorithms = value('AUTH_JWT_ALGORITHMS')
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (secret === undefined && jwksUrl === undefined) {
    if (tokenUser !== undefined && token === undefined) {
      throw new InvalidArgumentError('AUTH_TOKEN_USER is set but AUTH_TOKEN is not');
    }
    if (tokenUser !== undefined && !isValidName(tokenUser)) {
      throw new InvalidArgumentError('AUTH_TOKEN_USER must be 1-128 characters of [A-Za-z0-9._:-]');
    }
    if (issuer !== undefined || audience !== undefined) {
      throw new InvalidArgumentError(
        'AUTH_JWT_ISSUER/AUTH_JWT_AUDIENCE are set but neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is',
      );
    }
    return token === undefined ? undefined : { kind: 'token', token, userId: tokenUser };
  }
  if (token !== undefined) {
    throw new InvalidArgumentError(
      'AUTH_TOKEN cannot be combined with AUTH_JWT_SECRET/AUTH_JWKS_URL: choose one scheme',
    );
  }
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new InvalidArgumentError('set AUTH_JWT_SECRET or AUTH_JWKS_URL, not both');
  }
  if (issuer === undefined) throw new InvalidArgumentError('AUTH_JWT_ISSUER is required for JWTs');
  if (audience === undefined) {
    throw new InvalidArgumentError('AUTH_JWT_AUDIENCE is required for JWTs');
  }
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    throw new InvalidArgumentError('AUTH_JWT_SECRET must be at least 32 bytes');
  }
  if (jwksUrl !== undefined && !/^https?:\/\/[^\s/]/.test(jwksUrl)) {
    throw new InvalidArgumentError('AUTH_JWKS_URL must be an http(s) URL');
  }
  return {
    kind: 'jwt',
    issuer,
    audience,
    key: secret !== undefined ? { secret } : { jwksUrl: jwksUrl! },
    algorithms: algorithms?.length
      ? algorithms
      : secret !== undefined
        ? ['HS256']
        : ['RS256', 'ES256'],
  };
}

/** A one-word description of the scheme, without secrets. */
export function describeAuth(auth: AuthConfig | undefined): string {
  if (!auth) return 'none';
  if (auth.kind === 'token') return auth.userId ? 'bearer token (one user)' : 'bearer token';
  return `JWT (${'secret' in auth.key ? 'shared secret' : 'JWKS'}, issuer ${auth.issuer})`;
}

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
