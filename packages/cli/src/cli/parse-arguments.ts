import { parseArgs } from 'node:util';
import {
  SETTINGS,
  SETTING_KEYS,
  type CommandName,
  type SettingKey,
} from '../config/setting-names.js';

/** What the command line asks for. */
export type ParsedArguments =
  | { kind: 'help'; command: CommandName | undefined }
  | { kind: 'invalid'; message: string; command: CommandName | undefined }
  | {
      kind: 'run';
      command: CommandName;
      /** The user's module, when one was named. */
      module: string | undefined;
      flags: Partial<Record<SettingKey, string>>;
    };

const COMMANDS: readonly CommandName[] = ['serve', 'chat', 'worker'];

/** Whether a setting's flag is a switch (takes no value). */
function isSwitch(key: SettingKey): boolean {
  return 'switch' in SETTINGS[key];
}

/** The settings a command reads. */
function settingsOf(command: CommandName): SettingKey[] {
  return SETTING_KEYS.filter((key) =>
    (SETTINGS[key].commands as readonly CommandName[]).includes(command),
  );
}

/** Options of {@link parseArguments}. */
export interface ParseArgumentsOptions {
  /** Where `FERRITE_MODE` is read (default: not read). */
  env?: NodeJS.ProcessEnv;
  /** The command when the command line names none and `FERRITE_MODE` is unset (default: help). */
  defaultCommand?: 'serve' | 'worker';
}

/** The commands `FERRITE_MODE` may name; `server` is the value `apps/server` has always read. */
const MODES: Readonly<Record<string, CommandName>> = {
  serve: 'serve',
  server: 'serve',
  worker: 'worker',
};

/**
 * Parses `ferrite <command> [module] [--flag value…]`; an unknown flag or command is `invalid`.
 * When the first argument is no command, the command is `FERRITE_MODE` (`serve` or `worker`),
 * else `defaultCommand`, and every argument is the command's.
 */
export function parseArguments(
  argv: readonly string[],
  context: ParseArgumentsOptions = {},
): ParsedArguments {
  let [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    return { kind: 'help', command: undefined };
  }
  if (first === undefined || !(COMMANDS as readonly string[]).includes(first)) {
    const mode = context.env?.FERRITE_MODE?.trim() || undefined;
    const implied = mode === undefined ? context.defaultCommand : MODES[mode];
    if (mode !== undefined && implied === undefined) {
      return {
        kind: 'invalid',
        message: `FERRITE_MODE must be serve or worker, got '${mode}'`,
        command: undefined,
      };
    }
    if (implied === undefined) {
      if (first === undefined) return { kind: 'help', command: undefined };
      return { kind: 'invalid', message: `unknown command '${first}'`, command: undefined };
    }
    rest = [...argv];
    first = implied;
  }
  const command = first as CommandName;
  const keys = settingsOf(command);
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const key of keys) {
    options[SETTINGS[key].flag] = { type: isSwitch(key) ? 'boolean' : 'string' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util names the flag: "Unknown option '--sesions'…", "Option '--port <value>' argument missing".
    return { kind: 'invalid', message: (error as Error).message, command };
  }
  if (parsed.values.help === true) return { kind: 'help', command };
  if (parsed.positionals.length > 1) {
    return {
      kind: 'invalid',
      message: `one module is expected, got ${parsed.positionals.join(' ')}`,
      command,
    };
  }
  const flags: Partial<Record<SettingKey, string>> = {};
  for (const key of keys) {
    const value = parsed.values[SETTINGS[key].flag];
    if (typeof value === 'string') flags[key] = value;
    else if (value === true) flags[key] = 'true';
  }
  return { kind: 'run', command, module: parsed.positionals[0], flags };
}

const SUMMARY: Record<CommandName, string> = {
  serve: 'serve the HTTP API (ADK wire format) over the agents of <module>',
  chat: 'chat with the agent on the terminal: one message per line of stdin',
  worker: 'run the runs `serve --redis` queues (distributed mode)',
};

/** The help text: every command, or one command with its flags and variables. */
export function usage(program: string, command?: CommandName): string {
  if (command === undefined) {
    return [
      `Usage: ${program} <command> <module> [flags]`,
      '',
      'Commands:',
      ...COMMANDS.map((name) => `  ${name.padEnd(8)} ${SUMMARY[name]}`),
      '',
      '<module> is a .js/.mjs file, or a .ts/.mts/.cts file (loaded with tsx), whose default',
      'export or `agent` export is an Agent, or whose `apps` export maps app names to Agents.',
      'Backends are URLs: --sessions postgres://…, --artifacts s3://bucket/prefix, --memory',
      'qdrant://host:6333/collection, --redis redis://… (each also an environment variable).',
      '',
      'With no command, FERRITE_MODE (serve or worker) names it.',
      `Run '${program} <command> --help' for its flags. Exit codes: 0 done, 1 failure, 2 bad setting.`,
    ].join('\n');
  }
  const lines = settingsOf(command).map((key) => {
    const spec = SETTINGS[key];
    return `  --${spec.flag.padEnd(24)} ${spec.help}\n  ${''.padEnd(26)} env: ${spec.env.join(', ')}`;
  });
  return [
    `Usage: ${program} ${command} <module> [flags]`,
    '',
    `${SUMMARY[command]}.`,
    '',
    'Flags (a flag wins over its environment variables, which are read in the order shown):',
    ...lines,
    '  -h, --help                 this text',
  ].join('\n');
}
