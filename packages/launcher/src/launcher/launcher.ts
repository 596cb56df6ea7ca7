import type { Readable, Writable } from 'node:stream';
import {
  isValidName,
  type Agent,
  type ArtifactService,
  type MemoryService,
  type Plugin,
  type RunConfig,
  type SessionService,
} from '@ferrite/core';
import { FileArtifactService } from '@ferrite/artifact';
import { Runner } from '@ferrite/runner';
import {
  DEV_UI_PATH,
  SpanStore,
  createHandler,
  findDevUi,
  serve,
  type HandlerOptions,
  type RunningServer,
} from '@ferrite/server';
import { InMemorySessionService } from '@ferrite/session';
import { parseCommand, usage } from '../cli/parse-command.js';
import { ConsoleRepl } from '../console/console-repl.js';
import { traceInto } from '../web/dev-tracing.js';

/** Streams and signals the launcher talks through (the process's by default). */
export interface LauncherIo {
  /** Where chat messages are read, one per line. */
  input: Readable;
  /** Where answers, the help and the server's address go. */
  output: Writable;
  /** Where command-line errors go. */
  error: Writable;
  /** Emits `SIGINT`/`SIGTERM` (default `process`). */
  signals: NodeJS.EventEmitter;
}

/** Handler options the launcher passes to `serve` (everything but the apps). */
export type LauncherServerOptions = Omit<HandlerOptions, 'apps'> & { shutdownGraceMs?: number };

/**
 * Runs an agent in one line: a console chat, or the HTTP server, chosen by the command line
 * (SPEC §10). Defaults: in-memory sessions, artifacts under `./artifacts`, no memory.
 *
 * @example
 * ```ts
 * await new Launcher(agent).appName('my_app').run();   // `chat` (default), `serve --port 8080`, `--help`
 * ```
 */
export class Launcher {
  readonly #agent: Agent;
  #appName: string;
  #sessionService: SessionService | undefined;
  #artifactService: ArtifactService | undefined;
  #memoryService: MemoryService | undefined;
  #runConfig: RunConfig | undefined;
  #plugins: Plugin[] = [];
  #server: LauncherServerOptions = {};
  #spanStore: SpanStore | undefined;
  #io: LauncherIo = {
    input: process.stdin,
    output: process.stdout,
    error: process.stderr,
    signals: process,
  };
  #program = 'ferrite';

  constructor(agent: Agent) {
    this.#agent = agent;
    this.#appName = isValidName(agent.name) ? agent.name : 'app';
  }

  /** The app name sessions and artifacts are stored under (default: the agent's name). */
  appName(name: string): this {
    this.#appName = name;
    return this;
  }

  /** Where sessions live (default `InMemorySessionService`). */
  sessionService(service: SessionService): this {
    this.#sessionService = service;
    return this;
  }

  /** Where artifacts live (default `FileArtifactService({ rootDir: './artifacts' })`). */
  artifactService(service: ArtifactService): this {
    this.#artifactService = service;
    return this;
  }

  /** Long-term memory (default none). */
  memoryService(service: MemoryService): this {
    this.#memoryService = service;
    return this;
  }

  /** Run settings for every turn. */
  runConfig(config: RunConfig): this {
    this.#runConfig = config;
    return this;
  }

  /** Plugins, called in this order. */
  plugins(plugins: Plugin[]): this {
    this.#plugins = [...plugins];
    return this;
  }

  /** Options of the HTTP server (`cors`, `authorize`, `bodyLimit`, …) for `serve`. */
  server(options: LauncherServerOptions): this {
    this.#server = { ...options };
    return this;
  }

  /**
   * The span store `web` shows in the Dev UI's Traces tab (default: a new one, registered with
   * a tracer provider of its own unless the process registered one; then add this store to it).
   */
  spanStore(store: SpanStore): this {
    this.#spanStore = store;
    return this;
  }

  /** Other streams than the process's (tests, embedding). */
  io(io: Partial<LauncherIo>): this {
    this.#io = { ...this.#io, ...io };
    return this;
  }

  /** The program name shown in the help text. */
  programName(name: string): this {
    this.#program = name;
    return this;
  }

  /** Builds the Runner with the configured (or default) services. */
  runner(): Runner {
    return new Runner({
      appName: this.#appName,
      agent: this.#agent,
      sessionService: this.#sessionService ?? new InMemorySessionService(),
      artifactService: this.#artifactService ?? new FileArtifactService({ rootDir: './artifacts' }),
      ...(this.#memoryService ? { memoryService: this.#memoryService } : {}),
      ...(this.#runConfig ? { runConfig: this.#runConfig } : {}),
      plugins: this.#plugins,
    });
  }

  /**
   * Does what `argv` asks: `chat` (default), `serve [--port] [--host]`, `web [--port] [--host]
   * [--dev-ui-dir]` (the API and ADK's Dev UI) or `--help`. Resolves with
   * the exit code (also set as `process.exitCode` when it is not 0): 2 for a bad command line.
   */
  async run(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
    const command = parseCommand(argv);
    const { output, error } = this.#io;
    switch (command.kind) {
      case 'help':
        output.write(`${usage(this.#program)}\n`);
        return 0;
      case 'invalid':
        error.write(`${this.#program}: ${command.message}\n\n${usage(this.#program)}\n`);
        process.exitCode = 2;
        return 2;
      case 'chat':
        await new ConsoleRepl({
          runner: this.runner(),
          input: this.#io.input,
          output,
          userId: command.userId,
          sessionId: command.sessionId,
          signals: this.#io.signals,
        }).run();
        return 0;
      case 'serve':
        return this.#serve(command.port, command.host);
      case 'web':
        return this.#web(command.port, command.host, command.devUiDir);
    }
  }

  async #web(port: number, host: string, devUiDir: string | undefined): Promise<number> {
    let root: string;
    try {
      root = await findDevUi({ dir: devUiDir });
    } catch (failure) {
      this.#io.error.write(`${this.#program}: ${(failure as Error).message}\n`);
      process.exitCode = 1;
      return 1;
    }
    const store = this.#spanStore ?? new SpanStore();
    // A store of the application's own is presumably in its provider already.
    if (!traceInto(store) && !this.#spanStore) {
      this.#io.error.write(
        `${this.#program}: a tracer provider is already registered; give it a SpanStore and ` +
          `pass that to .spanStore() to see traces in the Dev UI\n`,
      );
    }
    return this.#serve(port, host, { devUi: { root }, spanStore: store });
  }

  async #serve(port: number, host: string, dev?: Partial<HandlerOptions>): Promise<number> {
    const runner = this.runner();
    const { shutdownGraceMs, ...handlerOptions } = this.#server;
    let server: RunningServer;
    try {
      server = await serve({
        handler: createHandler({ ...handlerOptions, ...dev, apps: runner }),
        port,
        host,
        ...(shutdownGraceMs !== undefined ? { shutdownGraceMs } : {}),
      });
    } catch (failure) {
      this.#io.error.write(
        `${this.#program}: cannot listen on ${host}:${port}: ${(failure as Error).message}\n`,
      );
      process.exitCode = 1;
      return 1;
    }
    this.#io.output.write(
      `Ferrite server for app '${runner.appName}' listening on ${server.url}\n`,
    );
    if (dev?.devUi) this.#io.output.write(`Dev UI: ${server.url}${DEV_UI_PATH}/\n`);
    const signals = this.#io.signals;
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        signals.off('SIGINT', stop);
        signals.off('SIGTERM', stop);
        this.#io.output.write('shutting down…\n');
        void server.close().then(resolve);
      };
      signals.on('SIGINT', stop);
      signals.on('SIGTERM', stop);
    });
    return 0;
  }
}
