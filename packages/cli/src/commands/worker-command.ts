import { openBackends } from '../backends/open-backends.js';
import { openRedis } from '../backends/open-redis.js';
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
  // The settings schema makes --redis required for this command.
  const redisUrl = settings.redis!;
  const backends = await openBackends(settings, io.cwd);
  try {
    const queue = await openRedis(redisUrl, settings.sourceOf('redis'), settings.checkTimeoutMs);
    try {
      const { RunWorker } = await import('@ferrite/distributed');
      const runners = localRunners(apps, backends, await runConfigOf(settings), queue.sessionLock);
      const worker = new RunWorker({
        runners: [...runners.values()],
        redis: redisUrl,
        ...(settings.workerConcurrency !== undefined
          ? { concurrency: settings.workerConcurrency }
          : {}),
      });
      io.stdout.write(`ferrite worker running apps ${[...runners.keys()].join(', ')}\n`);
      io.stdout.write(`${describeSettings(settings, 'n/a')}\n`);
      const signal = await nextStopSignal(io.signals);
      io.stdout.write(`${signal}: stopping (grace ${settings.graceMs} ms)\n`);
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
