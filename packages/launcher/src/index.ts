export { Launcher, type LauncherIo, type LauncherServerOptions } from './launcher/launcher.js';
export { ConsoleRepl, type ConsoleReplConfig } from './console/console-repl.js';
export { EventPrinter, type TextSink } from './console/event-printer.js';
export { parseCommand, usage, type LauncherCommand } from './cli/parse-command.js';
