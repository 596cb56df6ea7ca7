import { openBackends } from '../backends/open-backends.js';
import { openQueueBackends } from '../backends/open-queue-backends.js';
import type { CliSettings } from '../config/read-settings.js';
import type { AppAgents } from '../load/load-apps.js';
import { describeSettings, localRunners, runConfigOf } from './app-runners.js';
import { nextStopSignal, type CommandIo } from './command-io.js';

/**
 * `ferrite worker`: takes the runs `ferrite serve --redis` queued and runs them with local
 * Runners on the shared backends. On the first SIGTERM or SIGINT it takes no more jobs, lets
 * the running ones finish for `graceMs`, ends the rest typed (`unavailable`), closes the stores
 * and resolves with 0.
 */
export async function workerCommand(
  apps: AppAgents,
  settings: CliSettings,
  io: CommandIo,
): Promise<number> {
  // Listening for the signal from the start: one that arrives while the backends are checked,
  // or right as the address is printed, stops the process cleanly instead of killing it.
  const stopSignal = nextStopSignal(io.signals);
  const backends = await openBackends(settings, io.cwd);
  try {
    const queue = await openQueueBackends(settings, 'worker');
    try {
      const { RunWorker } = await import('@ferrite/distributed');
      const runners = localRunners(apps, backends, await runConfigOf(settings), queue.sessionLock);
      const worker = new RunWorker({
        runners: [...runners.values()],
        // The settings schema makes --redis required for this command.
        redis: settings.redis!,
        keyPrefix: settings.redisPrefix,
        concurrency: settings.workerConcurrency,
        lockDurationMs: settings.workerLockMs,
        stalledIntervalMs: settings.workerStalledCheckMs,
      });
      await worker.ready();
      // The line a process manager or a test waits for: the worker takes runs from here on.
      io.stdout.write(
        `ferrite worker ready (app: ${[...runners.keys()].join(', ')}; concurrency ${settings.workerConcurrency})\n`,
      );
      io.stdout.write(`${describeSettings(settings, 'none (workers serve no HTTP)')}\n`);
      const signal = await stopSignal;
      io.stdout.write(
        `${signal}: stopping (${worker.activeRuns} run(s) in progress, grace ${settings.graceMs} ms)\n`,
      );
      await worker.close({ graceMs: settings.graceMs });
    } finally {
      await queue.close().catch(() => undefined);
    }
  } finally {
    await backends.close();
  }
  io.stdout.write('stopped\n');
  return 0;
}
