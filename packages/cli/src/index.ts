/**
 * `@ferrite/cli`: the `ferrite` command (serve, chat, worker) and its parts, for programs that
 * run it with agents of their own.
 */
export { runCli, type RunCliOptions } from './cli/run-cli.js';
export { exitProcess } from './cli/exit-process.js';
export {
  parseArguments,
  usage,
  type ParsedArguments,
  type ParseArgumentsOptions,
} from './cli/parse-arguments.js';
export { readSettings, ConfigurationError, type CliSettings } from './config/read-settings.js';
export {
  SETTINGS,
  type SettingKey,
  type SettingName,
  type CommandName,
} from './config/setting-names.js';
export type { SessionsSetting, ArtifactsSetting, MemorySetting } from './config/backend-urls.js';
export { readAuthConfig, describeAuth, type AuthConfig } from './auth/auth-config.js';
export { createAuthorizer } from './auth/create-authorizer.js';
export { openBackends, StartupCheckError, type Backends } from './backends/open-backends.js';
export { rememberSessions } from './backends/remember-sessions.js';
export { appsOf, importModule, isAgent, type AppAgents } from './load/load-apps.js';
export type { CommandIo } from './commands/command-io.js';
