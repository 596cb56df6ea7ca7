import { InvalidArgumentError, type Toolset } from '@ferrite/core';
import type { Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import { validateToolName } from '../tools/tool-name.js';
import { McpConnection } from './mcp-connection.js';
import { McpTool } from './mcp-tool.js';
import { validateServerParameters, type McpServerParameters } from './mcp-server-parameters.js';

/** Which of the server's tools to offer: a list of their names, or a test of each definition. */
export type McpToolFilter = readonly string[] | ((tool: McpToolDefinition) => boolean);

/** Settings of an {@link McpToolset}. */
export interface McpToolsetConfig {
  /** The server: `{ command, args?, env?, cwd?, stderr? }` (stdio) or `{ url, headers? }` (Streamable HTTP). */
  server: McpServerParameters;
  /** Offer only these tools (by the server's names) or those the predicate accepts; default all. */
  filter?: McpToolFilter;
  /** Put before every tool's name (e.g. `'files_'`), to keep two servers' tools apart. */
  toolNamePrefix?: string;
  /** A result the server flags `isError` fails the run (ToolCallError) instead of going back to the model. Default false. */
  failRunOnError?: boolean;
  /** Bound on starting or reaching the server and its handshake (ms, default 10,000). */
  connectTimeoutMs?: number;
  /** Bound on one request — a listing page or a tool call — (ms, default 60,000). */
  requestTimeoutMs?: number;
  /** Bound on one message from the server (stdio) or one reply body (HTTP), in bytes (default 10 MiB). */
  maxMessageBytes?: number;
  /** Name and version announced to the server (default `ferrite` / `0.1.0`). */
  clientInfo?: { name: string; version: string };
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * The tools of one MCP server, for an agent's `tools`. Nothing is started or fetched until
 * the tools are first asked for; then the server is started (stdio) or reached (HTTP), its
 * tools are listed once per connection, and calls go over that connection. When the server
 * dies, the call meeting it fails with ToolCallError (`tool.error`) and the next use connects
 * again (starting a new child). `close()` ends the session and stops the child.
 *
 * @example
 * ```ts
 * await using files = new McpToolset({
 *   server: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/docs'] },
 *   filter: ['read_file', 'list_directory'],
 * });
 * const agent = new LlmAgent({ name: 'librarian', model, tools: [files] });
 * ```
 */
export class McpToolset implements Toolset, AsyncDisposable {
  /** The server, as given. */
  readonly server: McpServerParameters;
  readonly #connection: McpConnection;
  readonly #filter: ((tool: McpToolDefinition) => boolean) | undefined;
  readonly #prefix: string;
  readonly #failRunOnError: boolean;
  #built: { listed: readonly McpToolDefinition[]; tools: readonly McpTool[] } | undefined;

  constructor(config: McpToolsetConfig) {
    if (typeof config !== 'object' || config === null) {
      throw new InvalidArgumentError('McpToolset needs a config with a server');
    }
    this.server = validateServerParameters(config.server);
    this.#filter = toPredicate(config.filter);
    const prefix = config.toolNamePrefix ?? '';
    if (typeof prefix !== 'string') {
      throw new InvalidArgumentError('The toolNamePrefix of an McpToolset must be a string');
    }
    this.#prefix = prefix;
    this.#failRunOnError = config.failRunOnError ?? false;
    this.#connection = new McpConnection({
      server: this.server,
      connectTimeoutMs: positive(
        config.connectTimeoutMs,
        'connectTimeoutMs',
        DEFAULT_CONNECT_TIMEOUT_MS,
      ),
      requestTimeoutMs: positive(
        config.requestTimeoutMs,
        'requestTimeoutMs',
        DEFAULT_REQUEST_TIMEOUT_MS,
      ),
      maxMessageBytes: positive(
        config.maxMessageBytes,
        'maxMessageBytes',
        DEFAULT_MAX_MESSAGE_BYTES,
      ),
      clientInfo: config.clientInfo ?? { name: 'ferrite', version: '0.1.0' },
    });
  }

  /** Process id of the running stdio server; undefined before the first use, after `close()` or over HTTP. */
  get pid(): number | undefined {
    return this.#connection.pid;
  }

  /**
   * The server's tools that pass the filter, connecting first if needed. While the connection
   * lives and the server announces no change, the same array is returned without a request.
   * A server that cannot be reached fails with ToolCallError; a tool whose name is not a valid
   * tool name here (after the prefix) is an InvalidArgumentError naming it (filter it out).
   */
  async getTools(context?: { signal?: AbortSignal }): Promise<readonly McpTool[]> {
    const listed = await this.#connection.listTools(context?.signal);
    const built = this.#built;
    if (built && built.listed === listed) return built.tools;
    const tools: McpTool[] = [];
    for (const definition of listed) {
      if (this.#filter && !this.#filter(definition)) continue;
      const name = `${this.#prefix}${definition.name}`;
      try {
        validateToolName(name);
      } catch (error) {
        throw new InvalidArgumentError(
          `MCP server '${this.#connection.label}' offers tool '${name}', whose name cannot be used: ${(error as Error).message}. Leave it out with the filter option`,
          { cause: error },
        );
      }
      tools.push(new McpTool(definition, name, this.#connection, this.#failRunOnError));
    }
    const frozen = Object.freeze(tools);
    this.#built = { listed, tools: frozen };
    return frozen;
  }

  /** Ends the session and stops the child process (waiting until it has exited); a later use starts again. */
  async close(): Promise<void> {
    this.#built = undefined;
    await this.#connection.close();
  }

  /** Same as {@link McpToolset.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function toPredicate(
  filter: McpToolFilter | undefined,
): ((tool: McpToolDefinition) => boolean) | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === 'function') return filter;
  if (Array.isArray(filter) && filter.every((name) => typeof name === 'string')) {
    const names = new Set<string>(filter);
    return (tool) => names.has(tool.name);
  }
  throw new InvalidArgumentError(
    'The filter of an McpToolset must be an array of tool names or a function',
  );
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`The ${name} of an McpToolset must be a positive number`);
  }
  return value;
}
