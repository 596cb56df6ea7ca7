import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the PostgreSQL server binaries live; `FERRITE_PG_BIN` overrides it. */
export const POSTGRES_BIN = process.env.FERRITE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Options of {@link startPrivatePostgres}. */
export interface PrivatePostgresOptions {
  /** The OS user that owns and runs the cluster when the caller is root; default `postgres`. */
  osUser?: string;
}

/**
 * A PostgreSQL cluster of its own (a data directory in a temporary folder, a free port on
 * 127.0.0.1, trust auth for the `postgres` user), for tests that must stop and restart a server
 * without disturbing anyone else's.
 */
export class PrivatePostgres implements AsyncDisposable {
  /** The temporary folder holding the data directory and the socket. */
  readonly directory: string;
  /** The TCP port the server listens on. */
  readonly port: number;
  readonly #osUser: string | undefined;

  private constructor(directory: string, port: number, osUser: string | undefined) {
    this.directory = directory;
    this.port = port;
    this.#osUser = osUser;
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates the cluster with `initdb` and starts it. */
  static async start(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
    const directory = mkdtempSync(join(tmpdir(), 'ferrite-pg-'));
    const asRoot = process.getuid?.() === 0;
    const osUser = asRoot ? (options.osUser ?? 'postgres') : undefined;
    if (osUser !== undefined) {
      const { stdout } = await run('id', ['-u', osUser]);
      const { stdout: group } = await run('id', ['-g', osUser]);
      chownSync(directory, Number(stdout.trim()), Number(group.trim()));
    }
    const cluster = new PrivatePostgres(directory, await freePort(), osUser);
    try {
      await cluster.#tool('initdb', [
        '-D',
        cluster.#dataDirectory,
        '-U',
        'postgres',
        '--auth=trust',
        '--no-sync',
        '-E',
        'UTF8',
      ]);
      await cluster.startServer();
    } catch (error) {
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
    return cluster;
  }

  get #dataDirectory(): string {
    return join(this.directory, 'data');
  }

  /** Starts the server and waits until it accepts connections. */
  async startServer(): Promise<void> {
    await this.#pgCtl(['start', '-w', '-o', this.#serverOptions()]);
  }

  /** `pg_ctl -m fast restart`: ends every session (57P01), then accepts connections again. */
  async restart(): Promise<void> {
    await this.#pgCtl(['restart', '-w', '-m', 'fast', '-o', this.#serverOptions()]);
  }

  /** `pg_ctl -m fast stop`: ends every session and stops the server. */
  async stopServer(): Promise<void> {
    await this.#pgCtl(['stop', '-w', '-m', 'fast']);
  }

  /** Stops the server (if running) and removes the data directory. */
  async destroy(): Promise<void> {
    try {
      await this.#pgCtl(['stop', '-w', '-m', 'immediate']);
    } catch {
      // Already stopped.
    }
    rmSync(this.directory, { recursive: true, force: true });
  }

  /** Same as {@link destroy}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }

  #serverOptions(): string {
    // No fsync: the data is thrown away; the socket stays in the private folder.
    return `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.directory} -c fsync=off -c max_connections=50`;
  }

  async #pgCtl(args: string[]): Promise<void> {
    await this.#tool('pg_ctl', [
      '-D',
      this.#dataDirectory,
      '-l',
      join(this.directory, 'server.log'),
      ...args,
    ]);
  }

  async #tool(name: string, args: string[]): Promise<void> {
    const binary = join(POSTGRES_BIN, name);
    const [file, argv] =
      this.#osUser === undefined
        ? [binary, args]
        : ['runuser', ['-u', this.#osUser, '--', binary, ...args]];
    await run(file, argv, { cwd: this.directory, timeout: 60_000 });
  }
}

/** Starts a {@link PrivatePostgres} cluster. */
export function startPrivatePostgres(options?: PrivatePostgresOptions): Promise<PrivatePostgres> {
  return PrivatePostgres.start(options);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}
