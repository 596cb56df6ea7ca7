import { createEvent, ERROR_STATUS, FerriteError } from '@ferrite/core';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivatePostgres, type PrivatePostgres } from '../testing/private-postgres.js';
import { PostgresSessionService } from './postgres-session-service.js';

// The store against a server of its own, restarted and stopped under load: nothing may escape
// as an uncaught exception (an 'error' event without a listener), every call in flight must end
// with a typed error, and calls must work again once the server is back.
const WORKERS = 8;
const ROUNDS = 10;

let cluster: PrivatePostgres;
let service: PostgresSessionService;
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown): void => {
  uncaught.push(error);
};

beforeAll(async () => {
  process.on('uncaughtException', recordUncaught);
  cluster = await startPrivatePostgres();
  service = new PostgresSessionService({ connectionString: cluster.url, maxConnections: WORKERS });
  await service.migrate();
}, 60_000);

afterAll(async () => {
  process.off('uncaughtException', recordUncaught);
  await service?.close();
  await cluster?.destroy();
});

interface Workload {
  succeeded: number;
  failures: unknown[];
  stop(): Promise<void>;
}

/** `WORKERS` loops, each reading its own session and appending to it until stopped. */
function startWorkload(appName: string): Workload {
  let running = true;
  const workload = {
    succeeded: 0,
    failures: [] as unknown[],
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
  const loops = Array.from({ length: WORKERS }, async (_, i) => {
    const key = { appName, userId: 'u', sessionId: `s${i}` };
    while (running) {
      try {
        const session =
          (await service.getSession({ ...key, numRecentEvents: 1 })) ??
          (await service.createSession(key));
        await service.appendEvent({
          session,
          event: createEvent({ author: 'user', actions: { stateDelta: { step: i } } }),
        });
        workload.succeeded++;
      } catch (error) {
        workload.failures.push(error);
        // The server is away: do not spin.
        await delay(10);
      }
    }
  });
  return workload;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await delay(10);
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

describe('PostgresSessionService when the server restarts or stops', () => {
  it('keeps the process alive, fails calls in flight with a typed error and recovers, round after round', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const appName = `outage_${round}`;
      const workload = startWorkload(appName);
      await waitFor(() => workload.succeeded >= WORKERS, 'appends before the outage');
      if (round % 2 === 0) {
        await cluster.restart();
      } else {
        await cluster.stopServer();
        const before = workload.failures.length;
        // Calls made while the server is down fail too, and quickly.
        await waitFor(() => workload.failures.length >= before + WORKERS, 'failures while down');
        await cluster.startServer();
      }
      await workload.stop();

      expect(uncaught).toEqual([]);
      if (round % 2 === 1) expect(workload.failures.length).toBeGreaterThan(0);
      for (const failure of workload.failures) {
        // An outage is `unavailable` (503: worth retrying), with the driver's error as cause.
        expect(FerriteError.isInstance(failure), String(failure)).toBe(true);
        expect((failure as FerriteError).code, String(failure)).toBe('unavailable');
        expect(ERROR_STATUS[(failure as FerriteError).code]).toBe(503);
        expect((failure as Error).cause, String(failure)).toBeDefined();
        expect((failure as Error).message).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:/);
      }

      // Back: every worker reads and appends again, at once.
      const after = startWorkload(appName);
      await waitFor(() => after.succeeded >= 2 * WORKERS, 'appends after the outage');
      await after.stop();
      expect(after.failures).toEqual([]);
    }
    expect(uncaught).toEqual([]);
  }, 120_000);
});
