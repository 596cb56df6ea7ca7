export { Launcher, type LauncherIo, type LauncherServerOptions } from './launcher/launcher.js';
export { ConsoleRepl, type ConsoleReplConfig } from './console/console-repl.js';
export { traceInto } from './web/dev-tracing.js';
