import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FerriteError } from '../errors/ferrite-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { SessionBusyError } from '../errors/session-busy-error.js';
import type {
  AcquireSessionLockOptions,
  SessionLockKey,
  SessionLockLease,
  SessionRunLock,
} from '../services/session-run-lock.js';
import { expectFerriteError, randomAppName } from './expect-ferrite-error.js';

/** How {@link sessionRunLockContract} obtains the locks under test. */
export interface SessionRunLockContractFactory {
  /**
   * A new lock object: one node, with its own connections. With `sharesStore`, two of them work
   * on one backend, as two processes do.
   */
  create(): SessionRunLock | Promise<SessionRunLock>;
  /** Releases what `create()` acquired. */
  dispose?(lock: SessionRunLock): void | Promise<void>;
  /**
   * True when two locks from `create()` share one backend; the tests then put the second run on
   * a second node. Otherwise both "nodes" are the same lock object.
   */
  sharesStore?: boolean;
  /**
   * Cuts `lock` off its backend the way a crashed node is (its connections dropped, nothing
   * released); declares that a dead holder's session is freed. An in-process lock dies with
   * its process and has no such case.
   */
  killHolder?(lock: SessionRunLock): Promise<void>;
}

/** A holder that counts what the lock told it. */
interface RecordingHolder {
  interrupts: number;
  lostWith: FerriteError | undefined;
  interrupt(): void;
  lost(error: FerriteError): void;
}

function recordingHolder(onInterrupt?: () => void): RecordingHolder {
  return {
    interrupts: 0,
    lostWith: undefined,
    interrupt() {
      this.interrupts += 1;
      onInterrupt?.();
    },
    lost(error) {
      this.lostWith = error;
    },
  };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; fails after `limitMs` (a hang, not a timing assertion). */
async function waitFor(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(5);
  }
}

/** A promise whose outcome can be read without awaiting it. */
function track<T>(promise: T | Promise<T>) {
  const state: { done: boolean; value?: T; error?: unknown; promise: Promise<T> } = {
    done: false,
    promise: Promise.resolve(promise),
  };
  state.promise.then(
    (value) => {
      state.done = true;
      state.value = value;
    },
    (error: unknown) => {
      state.done = true;
      state.error = error;
    },
  );
  return state;
}

/**
 * The contract every {@link SessionRunLock} passes: exclusion, first-come-first-served order,
 * `'reject'`, `'interrupt'` and `interrupt(key)` across nodes, cancelled waiters leaving the line,
 * a dead holder's session freed (with `killHolder`), and 100 contenders served once each.
 */
export function sessionRunLockContract(name: string, factory: SessionRunLockContractFactory): void {
  describe(`${name} (SessionRunLock contract)`, () => {
    let created: SessionRunLock[] = [];
    let a: SessionRunLock;
    let b: SessionRunLock;
    let key: SessionLockKey;

    const make = async (): Promise<SessionRunLock> => {
      const lock = await factory.create();
      created.push(lock);
      return lock;
    };
    const acquire = (
      lock: SessionRunLock,
      options: Partial<AcquireSessionLockOptions> = {},
      on: SessionLockKey = key,
    ): Promise<SessionLockLease> =>
      Promise.resolve().then(() =>
        lock.acquire(on, { mode: 'queue', holder: recordingHolder(), ...options }),
      );

    beforeEach(async () => {
      created = [];
      a = await make();
      b = factory.sharesStore ? await make() : a;
      key = { appName: randomAppName(), userId: 'u1', sessionId: 's1' };
    });

    afterEach(async () => {
      for (const lock of created) await factory.dispose?.(lock);
    });

    it('grants a free session, and frees it on release', async () => {
      const lease = await acquire(a);
      expect(a.isBusy(key)).toBe(true);
      await lease.release();
      expect(a.isBusy(key)).toBe(false);
      // Free on every node: a 'reject' claim elsewhere succeeds at once.
      const again = await acquire(b, { mode: 'reject' });
      await again.release();
    });

    it("keeps a second run out until the first releases ('queue')", async () => {
      const first = await acquire(a);
      const second = track(acquire(b));
      await pause(100);
      expect(second.done).toBe(false);
      await first.release();
      const lease = await second.promise;
      await expectFerriteError(acquire(a, { mode: 'reject' }), SessionBusyError);
      await lease.release();
    });

    it('serves waiters first come, first served', async () => {
      const first = await acquire(a);
      const order: number[] = [];
      const waiters = [1, 2, 3, 4].map((n) =>
        acquire(b).then(async (lease) => {
          order.push(n);
          await pause(1);
          await lease.release();
        }),
      );
      await pause(50);
      await first.release();
      await Promise.all(waiters);
      expect(order).toEqual([1, 2, 3, 4]);
    });

    it("fails a 'reject' claim on a held session with SessionBusyError; the holder keeps it", async () => {
      const holder = recordingHolder();
      const first = await acquire(a, { holder });
      const error = await expectFerriteError(acquire(b, { mode: 'reject' }), SessionBusyError);
      expect(error.message).toContain('s1');
      expect(holder.interrupts).toBe(0);
      expect(a.isBusy(key)).toBe(true);
      await first.release();
      await (await acquire(b, { mode: 'reject' })).release();
    });

    it('holds sessions independently', async () => {
      const other = { ...key, sessionId: 's2' };
      const first = await acquire(a);
      const second = await acquire(b, { mode: 'reject' }, other);
      await Promise.all([first.release(), second.release()]);
    });

    it("'interrupt' interrupts the holder, on whichever node, and runs right after it", async () => {
      const held: { lease?: SessionLockLease } = {};
      // Like a run: it stops on interrupt, then hands the session on.
      const holder = recordingHolder(() => setTimeout(() => void held.lease?.release(), 1));
      held.lease = await acquire(a, { holder });
      const next = await acquire(b, { mode: 'interrupt' });
      expect(holder.interrupts).toBe(1);
      await expectFerriteError(acquire(a, { mode: 'reject' }), SessionBusyError);
      await next.release();
    });

    it('interrupt(key) reaches the holder on another node; false when the session is free', async () => {
      expect(await b.interrupt(key)).toBe(false);
      const holder = recordingHolder();
      const lease = await acquire(a, { holder });
      expect(await b.interrupt(key)).toBe(true);
      await waitFor(() => holder.interrupts === 1, 'the holder to be interrupted');
      // Interrupting does not release: the holder decides when it is done.
      await expectFerriteError(acquire(b, { mode: 'reject' }), SessionBusyError);
      await lease.release();
      expect(await b.interrupt(key)).toBe(false);
    });

    it('takes a cancelled waiter out of the line; the next one is served', async () => {
      const first = await acquire(a);
      const controller = new AbortController();
      const cancelled = track(acquire(b, { signal: controller.signal }));
      const next = track(acquire(b));
      await pause(50);
      controller.abort(new Error('gave up'));
      await waitFor(() => cancelled.done, 'the cancelled wait to end');
      expect(cancelled.error).toBeInstanceOf(Error);
      expect((cancelled.error as Error).message).toBe('gave up');
      await first.release();
      const lease = await next.promise;
      expect(cancelled.value).toBeUndefined();
      await lease.release();
      // The cancelled claim holds nothing: the session is free.
      await (await acquire(a, { mode: 'reject' })).release();
    });

    it('refuses a wait whose signal is already aborted', async () => {
      const first = await acquire(a);
      const controller = new AbortController();
      controller.abort(new Error('too late'));
      await expect(acquire(b, { signal: controller.signal })).rejects.toThrow('too late');
      await first.release();
      await (await acquire(b, { mode: 'reject' })).release();
    });

    it('acts on the first release of a lease only', async () => {
      const first = await acquire(a);
      const second = track(acquire(b));
      await pause(50);
      await first.release();
      const lease = await second.promise;
      const third = track(acquire(b));
      await pause(50);
      await first.release();
      await pause(100);
      expect(third.done).toBe(false);
      await lease.release();
      await (await third.promise).release();
    });

    it('refuses a bad mode or holder with InvalidArgumentError', async () => {
      await expectFerriteError(acquire(a, { mode: 'drop' as never }), InvalidArgumentError);
      await expectFerriteError(acquire(a, { holder: {} as never }), InvalidArgumentError);
      expect(a.isBusy(key)).toBe(false);
    });

    it.skipIf(!factory.killHolder)(
      "frees a dead holder's session for a waiter on another node [needs killHolder]",
      async () => {
        const holder = recordingHolder();
        await acquire(a, { holder });
        const waiting = track(acquire(b));
        await pause(50);
        expect(waiting.done).toBe(false);
        await factory.killHolder!(a);
        const lease = await waiting.promise;
        await waitFor(() => holder.lostWith !== undefined, 'the dead holder to be told');
        expect(FerriteError.isInstance(holder.lostWith)).toBe(true);
        await lease.release();
      },
    );

    it('serves 100 contenders on two nodes exactly once each, never two at a time', async () => {
      let active = 0;
      let peak = 0;
      const served: number[] = [];
      await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          acquire(index % 2 === 0 ? a : b).then(async (lease) => {
            active += 1;
            peak = Math.max(peak, active);
            served.push(index);
            await pause(0);
            active -= 1;
            await lease.release();
          }),
        ),
      );
      expect(peak).toBe(1);
      expect([...served].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(a.isBusy(key) || b.isBusy(key)).toBe(false);
    });
  });
}
