/** Key prefix of state shared by every user and session of an app. */
export const APP_PREFIX = 'app:';
/** Key prefix of state shared by every session of one user. */
export const USER_PREFIX = 'user:';
/** Key prefix of state that lives only for the current invocation and is never stored. */
export const TEMP_PREFIX = 'temp:';

/** The tier a state key belongs to. */
export type StateScope = 'app' | 'user' | 'session' | 'temp';

/** The tier a state key belongs to, from its prefix. */
export function scopeOf(key: string): StateScope {
  if (key.startsWith(APP_PREFIX)) return 'app';
  if (key.startsWith(USER_PREFIX)) return 'user';
  if (key.startsWith(TEMP_PREFIX)) return 'temp';
  return 'session';
}

/** A state delta split by tier. Keys keep their prefix, so tiers merge by plain spreading. */
export interface StateTiers {
  app: Record<string, unknown>;
  user: Record<string, unknown>;
  session: Record<string, unknown>;
}

/** Splits a delta into its app, user and session tiers, dropping `temp:` keys. */
export function splitStateDelta(delta: Record<string, unknown> | undefined): StateTiers {
  const tiers: StateTiers = { app: {}, user: {}, session: {} };
  if (!delta) return tiers;
  for (const [key, value] of Object.entries(delta)) {
    const scope = scopeOf(key);
    if (scope !== 'temp') tiers[scope][key] = value;
  }
  return tiers;
}

/** A copy of `delta` without its `temp:` keys (the same object when it has none). */
export function withoutTempKeys(delta: Record<string, unknown>): Record<string, unknown> {
  let result: Record<string, unknown> | undefined;
  for (const key of Object.keys(delta)) {
    if (key.startsWith(TEMP_PREFIX)) {
      result ??= { ...delta };
      delete result[key];
    }
  }
  return result ?? delta;
}

/** The merged view a session shows: its own keys plus the current app and user tiers. */
export function mergeState(tiers: StateTiers): Record<string, unknown> {
  return { ...tiers.session, ...tiers.user, ...tiers.app };
}

/** True when the delta has at least one key. */
export function hasKeys(delta: Record<string, unknown> | undefined): boolean {
  if (!delta) return false;
  for (const _ in delta) return true;
  return false;
}
