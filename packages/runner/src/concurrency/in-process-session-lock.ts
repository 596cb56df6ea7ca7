import {
  ShapeKeeper,
  SessionBusyError,
  sessionLockName,
  validateAcquireOptions,
  type AcquireSessionLockOptions,
  type SessionLockHolder,
  type SessionLockKey,
  type SessionLockLease,
  type SessionRunLock,
} from '@ferrite/core';

interface Waiter {
  readonly holder: SessionLockHolder;
  readonly grant: (lease: SessionLockLease) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

interface Entry {
  holder: SessionLockHolder;
  /** Created on the first waiter: an uncontended session allocates no line. */
  waiters: Waiter[] | undefined;
}

const inProcessLeaseShape = new ShapeKeeper<InProcessLease>();

/**
 * A lease whose release acts once. Until then its holder holds the session, so the release hands
 * it on; a second call can never hand on a session another run holds by then.
 */
class InProcessLease implements SessionLockLease {
  #entries: Map<string, Entry> | undefined;
  readonly #name: string;

  constructor(entries: Map<string, Entry>, name: string) {
    this.#entries = entries;
    this.#name = name;
    inProcessLeaseShape.keep(this);
  }

  release(): void {
    const entries = this.#entries;
    if (entries === undefined) return;
    this.#entries = undefined;
    handOn(entries, this.#name);
  }
}

/** Gives the session to the next waiter, or frees it; called once per lease. */
function handOn(entries: Map<string, Entry>, name: string): void {
  const entry = entries.get(name);
  if (entry === undefined) return;
  const next = entry.waiters?.shift();
  if (next === undefined) {
    entries.delete(name);
    return;
  }
  entry.holder = next.holder;
  if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
  next.grant(new InProcessLease(entries, name));
}

/**
 * The Runner's default {@link SessionRunLock}: runs on one session in this process are served
 * first come, first served (`'queue'`), refused with {@link SessionBusyError} (`'reject'`), or
 * interrupt the holder and wait in line (`'interrupt'`). An uncontended session is granted
 * synchronously, with no promise and no timer; the map holds only sessions that are busy.
 *
 * @example
 * ```ts
 * const lock = new InProcessSessionLock();
 * const lease = await lock.acquire(
 *   { appName: 'shop', userId: 'ana', sessionId: 'cart' },
 *   { mode: 'queue', holder: { interrupt: () => controller.abort() } },
 * );
 * try { await work(); } finally { lease.release(); }
 * ```
 */
export class InProcessSessionLock implements SessionRunLock {
  readonly #entries = new Map<string, Entry>();

  acquire(
    key: SessionLockKey,
    options: AcquireSessionLockOptions,
  ): SessionLockLease | Promise<SessionLockLease> {
    validateAcquireOptions(options);
    const name = sessionLockName(key);
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      this.#entries.set(name, { holder: options.holder, waiters: undefined });
      return new InProcessLease(this.#entries, name);
    }
    if (options.mode === 'reject') {
      throw new SessionBusyError(`Session '${name}' is already running`);
    }
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const granted = new Promise<SessionLockLease>((resolve, reject) => {
      const onAbort =
        signal === undefined
          ? undefined
          : () => this.#leave(name, waiter, signal.reason as Error, reject);
      const waiter: Waiter = { holder: options.holder, grant: resolve, signal, onAbort };
      (entry.waiters ??= []).push(waiter);
      if (onAbort) signal?.addEventListener('abort', onAbort, { once: true });
    });
    // In line first, so a holder that releases inside interrupt() hands the session to this run.
    if (options.mode === 'interrupt') entry.holder.interrupt();
    return granted;
  }

  interrupt(key: SessionLockKey): boolean {
    const entry = this.#entries.get(sessionLockName(key));
    if (entry === undefined) return false;
    entry.holder.interrupt();
    return true;
  }

  isBusy(key: SessionLockKey): boolean {
    return this.#entries.has(sessionLockName(key));
  }

  #leave(name: string, waiter: Waiter, reason: unknown, reject: (reason: unknown) => void): void {
    const waiters = this.#entries.get(name)?.waiters;
    const index = waiters?.indexOf(waiter) ?? -1;
    if (index < 0) return;
    waiters?.splice(index, 1);
    reject(reason);
  }

  /** Nothing to free: the lock holds no connection or timer. */
  async close(): Promise<void> {}
}
