import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { it } from 'vitest';

/** The variable that marks the processes a test starts; their own children inherit it. */
const PROCESS_MARK_VARIABLE = 'FERRITE_TEST_PROCESS_MARK';

/** True where running processes can be listed with their environment (Linux `/proc`). */
const canListProcesses = existsSync('/proc/self/environ');

/**
 * Pids of the running processes whose environment carries `mark`. A zombie (dead, not yet
 * reaped) has no environment left, so it counts as gone.
 */
function markedProcesses(mark: string): number[] {
  const needle = `\0${PROCESS_MARK_VARIABLE}=${mark}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environment: string;
    try {
      environment = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or another user's
    }
    if (`\0${environment}`.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Waits until no process carries `mark`: a cancelled run ends its stream at once (RxJS teardown
 * is synchronous) while its process is still being stopped.
 */
export async function waitUntilUnmarked(mark: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (canListProcesses && markedProcesses(mark).length > 0) {
    if (Date.now() > until)
      throw new Error(`processes still running: ${markedProcesses(mark).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A vitest `it` whose tests each get a `mark` to put in the environment of every process they
 * start (see `markedEnv`). When a test ends, however it ends, no process carrying its mark may
 * still run: one that does is killed and the test fails. Works with `it.concurrent`, since each
 * test has its own mark.
 */
export const processTest = it.extend<{ mark: string; markedEnv: Record<string, string> }>({
  mark: [
    async ({ task }, use) => {
      const mark = `${process.pid}-${task.id}`;
      await use(mark);
      if (!canListProcesses) return;
      const left = markedProcesses(mark);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      if (left.length > 0) {
        throw new Error(`processes left running after the test: ${left.join(', ')}`);
      }
    },
    { auto: true },
  ],
  markedEnv: async ({ mark }, use) => {
    await use({ [PROCESS_MARK_VARIABLE]: mark });
  },
});
