import { InvalidArgumentError, isValidName } from '@ferrite/core';

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

/**
 * Reads the `AUTH_*` settings through `value` (by variable name); a bad or contradictory setting
 * is an InvalidArgumentError naming it as `named` says (the variable's name by default; `ferrite`
 * names the flag when the value came from one).
 */
export function readAuthConfig(
  value: (name: string) => string | undefined,
  named: (name: string) => string = (name) => name,
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
      throw new InvalidArgumentError(
        `${named('AUTH_TOKEN_USER')} is set but ${named('AUTH_TOKEN')} is not`,
      );
    }
    if (tokenUser !== undefined && !isValidName(tokenUser)) {
      throw new InvalidArgumentError(
        `${named('AUTH_TOKEN_USER')} must be 1-128 characters of [A-Za-z0-9._:-]`,
      );
    }
    if (issuer !== undefined || audience !== undefined) {
      throw new InvalidArgumentError(
        `${named('AUTH_JWT_ISSUER')}/${named('AUTH_JWT_AUDIENCE')} are set but neither ${named('AUTH_JWT_SECRET')} nor ${named('AUTH_JWKS_URL')} is`,
      );
    }
    return token === undefined ? undefined : { kind: 'token', token, userId: tokenUser };
  }
  if (token !== undefined) {
    throw new InvalidArgumentError(
      `${named('AUTH_TOKEN')} cannot be combined with ${named('AUTH_JWT_SECRET')}/${named('AUTH_JWKS_URL')}: choose one scheme`,
    );
  }
  if (secret !== undefined && jwksUrl !== undefined) {
    throw new InvalidArgumentError(
      `set ${named('AUTH_JWT_SECRET')} or ${named('AUTH_JWKS_URL')}, not both`,
    );
  }
  if (issuer === undefined)
    throw new InvalidArgumentError(`${named('AUTH_JWT_ISSUER')} is required for JWTs`);
  if (audience === undefined) {
    throw new InvalidArgumentError(`${named('AUTH_JWT_AUDIENCE')} is required for JWTs`);
  }
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    throw new InvalidArgumentError(`${named('AUTH_JWT_SECRET')} must be at least 32 bytes`);
  }
  if (jwksUrl !== undefined && !/^https?:\/\/[^\s/]/.test(jwksUrl)) {
    throw new InvalidArgumentError(`${named('AUTH_JWKS_URL')} must be an http(s) URL`);
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
