import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { FerriteError } from '../errors/ferrite-error.js';
import type { SessionConcurrency } from '../run/run-config.js';

/** The session a run lock guards. */
export interface SessionLockKey {
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
}

/** What holds or waits for a session: the lock reaches it to stop it. */
export interface SessionLockHolder {
  /**
   * Another run asked for the session in `'interrupt'` mode, or `interrupt(key)` was called (on
   * any node sharing the lock): stop, then release the lease.
   */
  interrupt(): void;
  /**
   * The lock was lost while held (its backend connection died, or an expiring lock could not be
   * renewed in time); another run may hold the session now. The holder should stop at once.
   */
  lost?(error: FerriteError): void;
}

/** Options of {@link SessionRunLock.acquire}. */
export interface AcquireSessionLockOptions {
  /**
   * `'queue'` waits in line; `'reject'` fails with `SessionBusyError` when the session is taken;
   * `'interrupt'` interrupts the holder, then waits in line like `'queue'`.
   */
  readonly mode: SessionConcurrency;
  /** Called when the run must stop (see {@link SessionLockHolder}). */
  readonly holder: SessionLockHolder;
  /** Aborting it while waiting leaves the line: `acquire` rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

/** The session, held: release it when the run ends. */
export interface SessionLockLease {
  /**
   * Gives the session to the next waiter (or frees it). One-shot: only the first call acts. The
   * promise, if any, settles once the backend has the release and never rejects (a release that
   * fails drops the connection or lets the lock expire, which frees the session as well).
   */
  release(): void | Promise<void>;
}

/**
 * Serializes runs per session. The Runner's default is an in-process lock; a lock shared by
 * several processes (PostgreSQL advisory locks, Redis) makes `'queue'`, `'reject'` and
 * `'interrupt'` hold across nodes.
 *
 * `acquire` returns the lease itself when it can grant the session at once without I/O (the
 * in-process lock, uncontended), or a promise of it.
 */
export interface SessionRunLock {
  /**
   * Claims the session. Rejects (or throws, when answering synchronously) with `SessionBusyError`
   * in `'reject'` mode when it is taken, with the signal's reason when the wait was cancelled, and
   * with a `FerriteError` when the lock's backend cannot be reached.
   */
  acquire(
    key: SessionLockKey,
    options: AcquireSessionLockOptions,
  ): SessionLockLease | Promise<SessionLockLease>;
  /**
   * Interrupts the run holding the session, wherever it runs; resolves true when one held it (as
   * far as the lock can tell at that moment), false when the session was free.
   */
  interrupt(key: SessionLockKey): boolean | Promise<boolean>;
  /** True while a run of this lock object (this node) holds or waits for the session. */
  isBusy(key: SessionLockKey): boolean;
  /** Releases what the lock holds (connections, timers); held sessions are freed. */
  close?(): Promise<void>;
}

const MODES: readonly string[] = ['queue', 'reject', 'interrupt'];

/**
 * The one string a lock knows a session by, `app/user/session` (names never hold `/`). Remote
 * locks hash it; the in-process lock keys its map with it.
 */
export function sessionLockName(key: SessionLockKey): string {
  return `${key.appName}/${key.userId}/${key.sessionId}`;
}

/** Checks what every lock checks before it claims anything; throws `InvalidArgumentError`. */
export function validateAcquireOptions(options: AcquireSessionLockOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('acquire needs options { mode, holder }');
  }
  if (!MODES.includes(options.mode)) {
    throw new InvalidArgumentError(
      `mode must be 'queue', 'reject' or 'interrupt', got ${String(options.mode)}`,
    );
  }
  if (typeof options.holder?.interrupt !== 'function') {
    throw new InvalidArgumentError('holder must have an interrupt() method');
  }
}
