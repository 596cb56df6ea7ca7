import { parseArgs } from 'node:util';
import { isValidName } from '@ferrite/core';

/** What the command line asks for. */
export type LauncherCommand =
  | { kind: 'chat'; userId: string; sessionId: string | undefined }
  | { kind: 'serve'; port: number; host: string }
  | { kind: 'web'; port: number; host: string; devUiDir: string | undefined }
  | { kind: 'help' }
  | { kind: 'invalid'; message: string };

/** The usage text of a launcher program. */
export function usage(program: string): string {
  return [
    `Usage: ${program} [chat] [--user <id>] [--session <id>]`,
    `       ${program} serve [--port 8080] [--host 127.0.0.1]`,
    `       ${program} web [--port 8000] [--host 127.0.0.1] [--dev-ui-dir <folder>]`,
    `       ${program} --help`,
    '',
    'Commands:',
    '  chat    talk to the agent in this terminal (the default)',
    '  serve   serve the HTTP API (SSE included) for this agent',
    "  web     serve the HTTP API and ADK's Dev UI at /dev-ui/ (needs @google/adk-devtools)",
    '',
    'Options:',
    '  --user <id>       user id of the chat (default "user")',
    '  --session <id>    session id of the chat (default: a new session)',
    '  --port <n>        port to listen on (default 8080, web 8000; 0 picks a free one)',
    '  --host <address>  address to bind (default 127.0.0.1; 0.0.0.0 exposes the server)',
    '  --dev-ui-dir <d>  folder holding the Dev UI (its index.html) instead of the package',
    '  -h, --help        show this help',
  ].join('\n');
}

/** Parses `argv` (without node and the script) into a {@link LauncherCommand}. */
export function parseCommand(argv: readonly string[]): LauncherCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        port: { type: 'string' },
        host: { type: 'string' },
        user: { type: 'string' },
        session: { type: 'string' },
        'dev-ui-dir': { type: 'string' },
      },
    });
  } catch (error) {
    return { kind: 'invalid', message: parseErrorMessage(error as Error & { code?: string }) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (positionals.length > 1) {
    return { kind: 'invalid', message: `unexpected argument '${positionals[1]}'` };
  }
  const command = positionals[0] ?? 'chat';
  if (command === 'help') return { kind: 'help' };
  if (command !== 'web' && values['dev-ui-dir'] !== undefined) {
    return { kind: 'invalid', message: '--dev-ui-dir belongs to the web command' };
  }
  if (command === 'chat') {
    if (values.port !== undefined || values.host !== undefined) {
      return { kind: 'invalid', message: '--port and --host belong to the serve command' };
    }
    const userId = values.user ?? 'user';
    const sessionId = values.session;
    if (!isValidName(userId)) return { kind: 'invalid', message: `invalid --user ${values.user}` };
    if (sessionId !== undefined && !isValidName(sessionId)) {
      return { kind: 'invalid', message: `invalid --session ${values.session}` };
    }
    return { kind: 'chat', userId, sessionId };
  }
  if (command === 'serve' || command === 'web') {
    if (values.user !== undefined || values.session !== undefined) {
      return { kind: 'invalid', message: '--user and --session belong to the chat command' };
    }
    // `web` listens where `adk web` does.
    const fallback = command === 'web' ? '8000' : '8080';
    const port = Number(values.port ?? fallback);
    if (!/^\d+$/.test(values.port ?? fallback) || !Number.isInteger(port) || port > 65535) {
      return {
        kind: 'invalid',
        message: `--port must be an integer from 0 to 65535, got '${values.port}'`,
      };
    }
    const host = values.host ?? '127.0.0.1';
    if (host === '') return { kind: 'invalid', message: '--host must not be empty' };
    if (command === 'serve') return { kind: 'serve', port, host };
    const devUiDir = values['dev-ui-dir'];
    if (devUiDir === '') return { kind: 'invalid', message: '--dev-ui-dir must not be empty' };
    return { kind: 'web', port, host, devUiDir };
  }
  return { kind: 'invalid', message: `unknown command '${command}'` };
}

/** Node's parseArgs messages, shortened to what a person needs to fix the command line. */
function parseErrorMessage(error: Error & { code?: string }): string {
  // Node quotes the option as `'--port <value>'`, `'-h, --help'` or `'--bogus'`.
  const option = /'(?:-\w, )?(-{1,2}[\w-]+)/.exec(error.message)?.[1];
  if (!option) return error.message;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option}'`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /does not take an argument/.test(error.message)
      ? `${option} takes no value`
      : `${option} needs a value`;
  }
  return error.message;
}
