import {
  DEV_UI_PATH,
  createHandler,
  serve,
  type RunningServer,
  type ServedRunner,
} from '@ferrite/server';
import { describeAuth } from '../auth/auth-config.js';
import { createAuthorizer } from '../auth/create-authorizer.js';
import { openBackends, type Backends } from '../backends/open-backends.js';
import { openQueueBackends, type QueueBackends } from '../backends/open-queue-backends.js';
import type { CliSettings } from '../config/read-settings.js';
import type { AppAgents } from '../load/load-apps.js';
import { describeSettings, localRunners, runConfigOf } from './app-runners.js';
import { nextStopSignal, type CommandIo } from './command-io.js';
import { setUpDevUi } from './dev-ui.js';

/**
 * `ferrite serve`: the HTTP API over the apps on the configured backends, checked first. With
 * `--redis`, runs are queued for `ferrite worker`s instead of run here. On the first SIGTERM or
 * SIGINT: stop accepting, let runs finish for `graceMs`, cancel the rest typed, close the
 * stores; resolves with 0.
 */
export async function serveCommand(
  apps: AppAgents,
  settings: CliSettings,
  io: CommandIo,
): Promise<number> {
  // Listening for the signal from the start: one that arrives while the backends are checked,
  // or right as the address is printed, stops the process cleanly instead of killing it.
  const stopSignal = nextStopSignal(io.signals);
  // The Dev UI's files are looked for first: a missing UI stops the start before anything opens.
  const dev = await setUpDevUi(settings);
  const backends: Backends = await openBackends(settings, io.cwd);
  let queue: QueueBackends | undefined;
  const closers: (() => Promise<void>)[] = [];
  try {
    const runConfig = await runConfigOf(settings);
    const served = new Map<string, ServedRunner>();
    if (settings.redis) {
      queue = await openQueueBackends(settings, 'server');
      const { QueuedRunner } = await import('@ferrite/distributed');
      for (const [appName, agent] of apps) {
        const runner = new QueuedRunner({
          appName,
          agent,
          redis: settings.redis,
          keyPrefix: settings.redisPrefix,
          sessionService: backends.sessionService,
          artifactService: backends.artifactService,
          sessionLock: queue.sessionLock,
          runConfig: settings.runConfig,
        });
        closers.push(() => runner.close());
        served.set(appName, runner);
      }
    } else {
      for (const [appName, runner] of localRunners(apps, backends, runConfig)) {
        served.set(appName, runner);
      }
    }
    const checks = { ...backends.checks, ...(queue ? { redis: queue.check } : {}) };
    const handler = createHandler({
      apps: Object.fromEntries(served),
      ...(settings.corsOrigins ? { cors: { origin: settings.corsOrigins } } : {}),
      ...(settings.auth
        ? { authorize: createAuthorizer(settings.auth), otherUser: 'forbid' as const }
        : {}),
      ...(settings.bodyLimit !== undefined ? { bodyLimit: settings.bodyLimit } : {}),
      readiness: { checks, timeoutMs: settings.checkTimeoutMs },
      runs: { onDisconnect: settings.runsOnDisconnect },
      ...(dev ? { devUi: dev.devUi, spanStore: dev.spanStore } : {}),
    });
    let server: RunningServer;
    try {
      server = await serve({
        handler,
        port: settings.port,
        host: settings.host,
        ...(settings.allowedHosts ? { allowedHosts: settings.allowedHosts } : {}),
        shutdownGraceMs: settings.graceMs,
        ...(settings.requestTimeoutMs !== undefined
          ? { requestTimeoutMs: settings.requestTimeoutMs }
          : {}),
      });
    } catch (error) {
      io.stderr.write(
        `ferrite: cannot listen on ${settings.host}:${settings.port} (${settings.sourceOf('port')}): ${(error as Error).message}\n`,
      );
      return 1;
    }
    io.stdout.write(`ferrite server listening on ${server.url}\n`);
    io.stdout.write(
      `app: ${[...served.keys()].join(', ')}; ${describeSettings(settings, describeAuth(settings.auth))}\n`,
    );
    if (dev) {
      io.stdout.write(`Dev UI: ${server.url}${DEV_UI_PATH}/\n`);
      if (!dev.tracing) {
        io.stderr.write(
          'ferrite: a tracer provider was registered before: the Dev UI Traces tab stays empty\n',
        );
      }
    }

    const signal = await stopSignal;
    io.stdout.write(
      `${signal}: stopping (${handler.activeRuns} run(s) in progress, grace ${settings.graceMs} ms)\n`,
    );
    await server.close();
    await closeAll();
    io.stdout.write('stopped\n');
    return 0;
  } finally {
    await closeAll();
  }

  async function closeAll(): Promise<void> {
    for (const close of closers.splice(0)) await close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    queue = undefined;
    await backends.close();
  }
}
