/**
 * Children started for MCP stdio servers that are still running. When the parent process exits
 * without closing its toolsets, each is killed on the way out, so no server outlives it.
 */
const running = new Set<number>();

function killAll(): void {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

/** Records a started child; it is killed if the process exits while it runs. */
export function trackChild(pid: number): void {
  if (running.size === 0) process.once('exit', killAll);
  running.add(pid);
}

/** Forgets a child that has ended or is being stopped by its owner. */
export function untrackChild(pid: number): void {
  if (!running.delete(pid)) return;
  if (running.size === 0) process.removeListener('exit', killAll);
}

/** True while a process with this id exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
