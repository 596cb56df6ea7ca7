import { SessionBusyError } from '@ferrite/core';

/** What holds or waits for a session: the lock can interrupt it. */
export interface SessionHolder {
  interrupt(): void;
}

/** One claim on a session: wait for `ready`, then `release` when done. */
export interface SessionLease {
  /** Resolves true when the session is this lease's, false when the wait was cancelled. */
  readonly ready: Promise<boolean>;
  /**
   * Gives the session to the next waiter (or frees it); cancels the wait of a waiting lease.
   * One-shot: only the first call acts, later ones do nothing.
   */
  release(): void;
}

interface Waiter {
  holder: SessionHolder;
  grant: (granted: boolean) => void;
}

interface Entry {
  holder: SessionHolder;
  waiters: Waiter[];
}

const GRANTED: Promise<boolean> = Promise.resolve(true);

/**
 * Serializes runs per session inside one Runner: first come, first served (`'queue'`), or
 * {@link SessionBusyError} for a second run while one holds the session (`'reject'`).
 * Sessions are independent; the map only holds sessions that are busy.
 */
export class SessionLock {
  readonly #entries = new Map<string, Entry>();

  /** Claims `key` at once (synchronously); throws SessionBusyError in `'reject'` mode when taken. */
  acquire(key: string, mode: 'queue' | 'reject', holder: SessionHolder): SessionLease {
    const entry = this.#entries.get(key);
    if (!entry) {
      const owned: Entry = { holder, waiters: [] };
      this.#entries.set(key, owned);
      return this.#lease(key, holder, GRANTED);
    }
    if (mode === 'reject') {
      throw new SessionBusyError(`Session '${key}' is already running`);
    }
    let waiter!: Waiter;
    const ready = new Promise<boolean>((grant) => {
      waiter = { holder, grant };
    });
    entry.waiters.push(waiter);
    return this.#lease(key, holder, ready);
  }

  /**
   * A lease whose release acts once. Until then its holder is either the session's holder or
   * in its line, so the release either hands the session on or leaves the line; a second call
   * can never hand on a session another run holds by then.
   */
  #lease(key: string, holder: SessionHolder, ready: Promise<boolean>): SessionLease {
    let released = false;
    return {
      ready,
      release: () => {
        if (released) return;
        released = true;
        this.#release(key, holder);
      },
    };
  }

  /** True when a run holds `key`. */
  isHeld(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Interrupts the run holding `key`; false when none does. */
  interrupt(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    entry.holder.interrupt();
    return true;
  }

  #release(key: string, holder: SessionHolder): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    if (entry.holder !== holder) {
      // Still in line: leave it.
      const index = entry.waiters.findIndex((waiter) => waiter.holder === holder);
      if (index >= 0) entry.waiters.splice(index, 1)[0]?.grant(false);
      return;
    }
    const next = entry.waiters.shift();
    if (!next) {
      this.#entries.delete(key);
      return;
    }
    entry.holder = next.holder;
    next.grant(true);
  }
}
