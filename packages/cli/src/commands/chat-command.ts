import { ConsoleRepl } from '@ferrite/launcher';
import { openBackends } from '../backends/open-backends.js';
import type { CliSettings } from '../config/read-settings.js';
import type { AppAgents } from '../load/load-apps.js';
import { localRunners, runConfigOf } from './app-runners.js';
import type { CommandIo } from './command-io.js';

/**
 * `ferrite chat`: one message per line of stdin, each answer streamed to stdout, on the
 * configured backends (runs here, even with `--redis`). Ends with the input (or `/exit`).
 */
export async function chatCommand(
  apps: AppAgents,
  settings: CliSettings,
  io: CommandIo,
): Promise<number> {
  const backends = await openBackends(settings, io.cwd);
  try {
    const runners = localRunners(apps, backends, await runConfigOf(settings));
    // With several apps the settings name one (`--app-name`); the loader kept only it.
    const [runner] = runners.values();
    if (runners.size !== 1 || runner === undefined) {
      io.stderr.write(
        `ferrite: the module serves ${runners.size} apps (${[...runners.keys()].join(', ')}); choose one with --app-name\n`,
      );
      return 2;
    }
    await new ConsoleRepl({
      runner,
      input: io.stdin,
      output: io.stdout,
      userId: settings.user,
      sessionId: settings.session,
      signals: io.signals,
    }).run();
    return 0;
  } finally {
    await backends.close();
  }
}
