import { InvalidArgumentError, type Agent } from '@ferrite/core';
import { StartupCheckError } from '../backends/open-backends.js';
import { chatCommand } from '../commands/chat-command.js';
import type { CommandIo } from '../commands/command-io.js';
import { serveCommand } from '../commands/serve-command.js';
import { workerCommand } from '../commands/worker-command.js';
import { readSettings, type CliSettings } from '../config/read-settings.js';
import { appsOf, importModule, type AppAgents } from '../load/load-apps.js';
import { parseArguments, usage } from './parse-arguments.js';

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** The environment settings are read from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Streams, signals and working directory (default the process's). */
  io?: Partial<CommandIo>;
  /**
   * The agents to run, instead of a module named on the command line: one Agent (served as the
   * app name setting, else `defaultAppName`, else its own name) or a map of app names to Agents.
   */
  apps?: Agent | Readonly<Record<string, Agent>>;
  /** The app name of a single agent given in `apps` when no setting names one. */
  defaultAppName?: string;
  /** The program name of the help text (default `ferrite`). */
  programName?: string;
  /**
   * The command when the command line names none and `FERRITE_MODE` is unset (default: print
   * the help). A program serving its own agents sets `'serve'`.
   */
  defaultCommand?: 'serve' | 'worker';
}

/**
 * Runs `ferrite serve|chat|worker <module> [flags]` and resolves with the exit code: 0 done,
 * 1 a failure while running, 2 a bad command line, setting, module or start-up check. Messages
 * go to stderr and name the setting at fault; secrets are never printed. With no command on the
 * command line, `FERRITE_MODE` (`serve` or `worker`) names it, else `defaultCommand`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2));
 * ```
 */
export async function runCli(
  argv: readonly string[],
  options: RunCliOptions = {},
): Promise<number> {
  const io: CommandIo = {
    stdin: options.io?.stdin ?? process.stdin,
    stdout: options.io?.stdout ?? process.stdout,
    stderr: options.io?.stderr ?? process.stderr,
    signals: options.io?.signals ?? process,
    cwd: options.io?.cwd ?? process.cwd(),
  };
  const program = options.programName ?? 'ferrite';
  const env = options.env ?? process.env;
  const parsed = parseArguments(argv, {
    env,
    ...(options.defaultCommand ? { defaultCommand: options.defaultCommand } : {}),
  });
  if (parsed.kind === 'help') {
    io.stdout.write(`${usage(program, parsed.command)}\n`);
    return 0;
  }
  if (parsed.kind === 'invalid') {
    io.stderr.write(`${program}: ${parsed.message}\n\n${usage(program, parsed.command)}\n`);
    return 2;
  }
  let settings: CliSettings;
  let apps: AppAgents;
  try {
    settings = readSettings(parsed.command, parsed.flags, env);
    if (options.apps !== undefined) {
      if (parsed.module !== undefined) {
        throw new InvalidArgumentError(
          `${program} runs its own agents and takes no module, got ${parsed.module}`,
        );
      }
      apps = appsOf(
        { default: options.apps },
        'the apps given',
        settings.appName ?? options.defaultAppName,
      );
    } else {
      if (parsed.module === undefined) {
        throw new InvalidArgumentError(
          `${parsed.command} needs a module: ${program} ${parsed.command} ./agent.js`,
        );
      }
      const exports = await importModule(parsed.module, io.cwd);
      apps = appsOf(exports, parsed.module, settings.appName);
    }
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    io.stderr.write(`configuration error: ${error.message}\n`);
    return 2;
  }
  try {
    switch (parsed.command) {
      case 'serve':
        return await serveCommand(apps, settings, io);
      case 'chat':
        return await chatCommand(apps, settings, io);
      case 'worker':
        return await workerCommand(apps, settings, io);
    }
  } catch (error) {
    if (error instanceof StartupCheckError) {
      io.stderr.write(`start-up check failed: ${error.message} (setting: ${error.setting})\n`);
      return 2;
    }
    io.stderr.write(`${program}: ${(error as Error).message}\n`);
    return 1;
  }
}
