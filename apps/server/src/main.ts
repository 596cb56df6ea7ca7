import type { Model } from '@ferrite/core';
import { createDesk, modelFromEnv } from '@ferrite/quickstart';
import { Runner } from '@ferrite/runner';
import { createHandler, serve } from '@ferrite/server';
import { createAuthorizer } from './auth.js';
import { describeConfig, readConfig, type ServerConfig } from './config.js';
import { setUpDevUi, type DevUiSetup } from './dev-ui.js';
import { queuedRunner, runAsWorker, sharedSessionLock } from './distributed-mode.js';
import { rememberSessions } from './remember-sessions.js';
import { createServices, type ServerServices } from './services.js';

let config: ServerConfig;
let model: Model;
let label: string;
try {
  config = readConfig(
    process.argv[2] === 'worker' ? { ...process.env, FERRITE_MODE: 'worker' } : process.env,
  );
  ({ model, label } = modelFromEnv());
} catch (error) {
  process.stderr.write(`configuration error: ${(error as Error).message}\n`);
  process.exit(2);
}

let dev: DevUiSetup | undefined;
try {
  dev = await setUpDevUi(config);
} catch (error) {
  process.stderr.write(`configuration error: ${(error as Error).message}\n`);
  process.exit(2);
}

let services: ServerServices;
try {
  services = await createServices(config);
} catch (error) {
  // A start-up check failed (an S3 bucket that does not exist...): a bad setting, like the above.
  process.stderr.write(`start-up check failed: ${(error as Error).message}\n`);
  process.exit(2);
}
const sessionLock = config.distributed ? await sharedSessionLock(config) : undefined;
const runner = new Runner({
  appName: config.appName,
  agent: createDesk(model),
  ...(sessionLock ? { sessionLock } : {}),
  sessionService: services.sessionService,
  artifactService: services.artifactService,
  ...(services.memoryService
    ? { memoryService: services.memoryService, plugins: [rememberSessions(services.memoryService)] }
    : {}),
});
if (config.mode === 'worker') await runAsWorker(config, runner, services, sessionLock!, label);
// With REDIS_URL the server only queues runs; workers run them.
const queued =
  config.distributed && sessionLock
    ? await queuedRunner(config, services, runner.agent, sessionLock)
    : undefined;
const handler = createHandler({
  apps: queued ?? runner,
  runs: { onDisconnect: config.runsOnDisconnect },
  ...(config.corsOrigins ? { cors: { origin: config.corsOrigins } } : {}),
  ...(config.auth
    ? { authorize: createAuthorizer(config.auth), otherUser: 'forbid' as const }
    : {}),
  ...(dev ? { devUi: dev.devUi, spanStore: dev.spanStore } : {}),
});
const server = await serve({
  handler,
  port: config.port,
  host: config.host,
  ...(config.allowedHosts ? { allowedHosts: config.allowedHosts } : {}),
  shutdownGraceMs: config.shutdownGraceMs,
});
process.stdout.write(`ferrite server listening on ${server.url}\n`);
process.stdout.write(`app: ${config.appName}; model: ${label}; ${describeConfig(config)}\n`);
if (dev && !dev.tracing) {
  process.stderr.write('a tracer provider was registered before: the Traces tab stays empty\n');
}

let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(
    `${signal}: stopping (${handler.activeRuns} run(s) in progress, grace ${config.shutdownGraceMs} ms)\n`,
  );
  void (async () => {
    await server.close();
    await queued?.close();
    await sessionLock?.close?.();
    await services.close();
    process.stdout.write('stopped\n');
    process.exit(0);
  })().catch((error: unknown) => {
    process.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
