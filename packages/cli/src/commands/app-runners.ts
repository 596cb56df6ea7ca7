import type { Agent, RunConfig, SessionRunLock } from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import type { Backends } from '../backends/open-backends.js';
import { rememberSessions } from '../backends/remember-sessions.js';
import type { CliSettings } from '../config/read-settings.js';
import type { AppAgents } from '../load/load-apps.js';

/** The run-wide settings with the model override, when one is set, built once. */
export async function runConfigOf(settings: CliSettings): Promise<RunConfig> {
  if (!settings.model) return settings.runConfig;
  const { OpenAIChatModel } = await import('@ferrite/models');
  const model = new OpenAIChatModel({
    baseURL: settings.model.baseURL,
    model: settings.model.name,
    ...(settings.model.apiKey ? { apiKey: settings.model.apiKey } : {}),
  });
  return { ...settings.runConfig, model };
}

/**
 * One local Runner per app on the shared backends; with memory, each run is added to it
 * afterwards so later runs of the same user get it preloaded.
 */
export function localRunners(
  apps: AppAgents,
  backends: Backends,
  runConfig: RunConfig,
  sessionLock?: SessionRunLock,
): Map<string, Runner> {
  const runners = new Map<string, Runner>();
  for (const [appName, agent] of apps) {
    runners.set(appName, localRunner(appName, agent, backends, runConfig, sessionLock));
  }
  return runners;
}

function localRunner(
  appName: string,
  agent: Agent,
  backends: Backends,
  runConfig: RunConfig,
  sessionLock: SessionRunLock | undefined,
): Runner {
  const memory = backends.memoryService;
  return new Runner({
    appName,
    agent,
    sessionService: backends.sessionService,
    artifactService: backends.artifactService,
    runConfig,
    ...(memory ? { memoryService: memory, plugins: [rememberSessions(memory)] } : {}),
    ...(sessionLock ? { sessionLock } : {}),
  });
}

/** One line about the settings, without secrets. */
export function describeSettings(settings: CliSettings, auth: string): string {
  const { sessions, artifacts, memory } = settings;
  const sessionsText = sessions.kind === 'postgres' ? 'PostgreSQL' : 'in memory';
  const artifactsText =
    artifacts.kind === 's3'
      ? `S3 bucket ${artifacts.bucket} (version allocation ${artifacts.versionAllocation})`
      : artifacts.kind === 'file'
        ? `files under ${artifacts.dir}`
        : 'in memory';
  const memoryText =
    memory.kind === 'qdrant'
      ? `Qdrant ${memory.collection} (${settings.embeddings ? 'OpenAI' : 'hashing'} embeddings)`
      : memory.kind === 'memory'
        ? 'in memory'
        : 'none';
  const queue = settings.redis ? '; runs: queued on Redis' : '';
  const model = settings.model
    ? `; model: ${settings.model.name} at ${settings.model.baseURL}`
    : '';
  return `sessions: ${sessionsText}; artifacts: ${artifactsText}; memory: ${memoryText}; auth: ${auth}${queue}${model}`;
}
