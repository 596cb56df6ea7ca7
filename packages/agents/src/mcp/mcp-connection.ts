import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ErrorCode,
  McpError,
  ToolListChangedNotificationSchema,
  type CallToolResult,
  type Tool as McpToolDefinition,
} from '@modelcontextprotocol/sdk/types.js';
import { ToolCallError } from '@ferrite/core';
import { boundedFetch } from './bounded-fetch.js';
import { trackChild, untrackChild } from './child-processes.js';
import { isStdioServer, serverLabel, type McpServerParameters } from './mcp-server-parameters.js';

/** Settings of an {@link McpConnection}; every field is filled by the toolset. */
export interface McpConnectionConfig {
  server: McpServerParameters;
  /** Bound on starting the child or reaching the endpoint, plus the `initialize` handshake. */
  connectTimeoutMs: number;
  /** Bound on one request (a listing page or a tool call) once connected. */
  requestTimeoutMs: number;
  /** Bound on one message from the server (stdio) or one reply body (HTTP). */
  maxMessageBytes: number;
  /** Name and version the client announces in `initialize`. */
  clientInfo: { name: string; version: string };
}

/** Most pages of `tools/list` read for one listing (a server that never stops paging is cut). */
const MAX_LIST_PAGES = 100;
/** How long `close()` waits for a stopped child to be reaped after the transport gave up on it. */
const EXIT_WAIT_MS = 5_000;

/** One established session with the server; replaced by a fresh one after it breaks. */
interface Live {
  readonly client: Client;
  readonly transport: StdioClientTransport | StreamableHTTPClientTransport;
  /** Resolves when the transport has closed (for stdio: the child has exited). */
  readonly closed: Promise<void>;
  pid: number | undefined;
  dead: boolean;
  /** What broke it, when it was broken from our side (a body cut off or over its bound). */
  brokenBy: Error | undefined;
  tools: Promise<readonly McpToolDefinition[]> | undefined;
}

/**
 * The client side of one MCP server: connects lazily (single flight), lists tools once per
 * connection (again after `tools/list_changed`), calls tools with a bound and a signal, and
 * after the connection breaks (the child exited, the endpoint went away) connects afresh on
 * the next use.
 */
export class McpConnection {
  readonly #options: McpConnectionConfig;
  readonly #label: string;
  #live: Live | undefined;
  #connecting: Promise<Live> | undefined;
  /** Bumped by `close()`, so a connection finishing after it is closed at once. */
  #generation = 0;

  constructor(options: McpConnectionConfig) {
    this.#options = options;
    this.#label = serverLabel(options.server);
  }

  /** How the server is named in messages. */
  get label(): string {
    return this.#label;
  }

  /** Process id of the running stdio child; undefined when none runs (or over HTTP). */
  get pid(): number | undefined {
    const live = this.#live;
    return live && !live.dead ? live.pid : undefined;
  }

  /**
   * The server's tools, listed once per connection. The same array is returned until the
   * connection is replaced or the server announces a change, so callers can cache on identity.
   */
  async listTools(signal?: AbortSignal): Promise<readonly McpToolDefinition[]> {
    const live = await this.#ensure(signal, this.#label);
    live.tools ??= this.#list(live).catch((error: unknown) => {
      live.tools = undefined;
      throw error;
    });
    return abortable(live.tools, signal);
  }

  /** Calls a tool; every failure is a ToolCallError naming `toolName` (the name the model used). */
  async callTool(
    mcpName: string,
    args: Record<string, unknown>,
    toolName: string,
    signal?: AbortSignal,
  ): Promise<CallToolResult> {
    for (let attempt = 0; ; attempt++) {
      const live = await this.#ensure(signal, toolName);
      try {
        return (await live.client.callTool({ name: mcpName, arguments: args }, undefined, {
          ...(signal ? { signal } : {}),
          timeout: this.#options.requestTimeoutMs,
        })) as CallToolResult;
      } catch (error) {
        if (signal?.aborted) throw cancelled(toolName, signal);
        // A 404 for a session means the server no longer knows it (it restarted) and did not
        // run the request: the protocol asks for a new session, and the call is sent once more.
        if (attempt === 0 && isSessionLost(error)) {
          this.#drop(live);
          continue;
        }
        if (breaksConnection(error)) this.#drop(live);
        throw this.#failure(toolName, `Call of MCP tool '${mcpName}' failed`, error, live);
      }
    }
  }

  /** Ends the session and stops the child (if any); the next use connects again. */
  async close(): Promise<void> {
    this.#generation++;
    const live = this.#live;
    this.#live = undefined;
    const connecting = this.#connecting;
    this.#connecting = undefined;
    const pending: Promise<void>[] = [];
    if (live) pending.push(shutDown(live));
    if (connecting) {
      // The connection finishing after this point is closed by #open itself; wait for that.
      pending.push(connecting.then(shutDown, () => undefined));
    }
    await Promise.all(pending);
  }

  async #ensure(signal: AbortSignal | undefined, toolName: string): Promise<Live> {
    if (signal?.aborted) throw cancelled(toolName, signal);
    const live = this.#live;
    if (live && !live.dead) return live;
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    try {
      return await abortable(this.#connecting, signal);
    } catch (error) {
      if (signal?.aborted) throw cancelled(toolName, signal);
      throw this.#failure(toolName, `Cannot connect to MCP server '${this.#label}'`, error);
    }
  }

  async #open(): Promise<Live> {
    const generation = this.#generation;
    const live = this.#start();
    try {
      await live.client.connect(live.transport, { timeout: this.#options.connectTimeoutMs });
    } catch (error) {
      await shutDown(live);
      throw error;
    }
    if (live.transport instanceof StdioClientTransport) {
      live.pid = live.transport.pid ?? undefined;
      // A child that already exited again is not tracked (its close handler has run).
      if (live.pid !== undefined && !live.dead) trackChild(live.pid);
    }
    if (generation !== this.#generation) {
      await shutDown(live);
      throw new Error(`The connection to MCP server '${this.#label}' was closed while it opened`);
    }
    this.#live = live;
    return live;
  }

  #start(): Live {
    const { server, maxMessageBytes, clientInfo } = this.#options;
    const transport = isStdioServer(server)
      ? new StdioClientTransport({
          command: server.command,
          args: [...(server.args ?? [])],
          ...(server.env ? { env: { ...server.env } } : {}),
          ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
          stderr: server.stderr ?? 'inherit',
          maxBufferSize: maxMessageBytes,
        })
      : new StreamableHTTPClientTransport(new URL(String(server.url)), {
          ...(server.headers ? { requestInit: { headers: { ...server.headers } } } : {}),
          fetch: boundedFetch(maxMessageBytes, (error) => {
            this.#drop(current, error);
          }),
          reconnectionOptions: {
            maxRetries: 0,
            initialReconnectionDelay: 1_000,
            maxReconnectionDelay: 1_000,
            reconnectionDelayGrowFactor: 1,
          },
        });
    const client = new Client(clientInfo, { capabilities: {} });
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    const current: Live = {
      client,
      transport,
      closed,
      pid: undefined,
      dead: false,
      brokenBy: undefined,
      tools: undefined,
    };
    client.onclose = () => {
      current.dead = true;
      if (current.pid !== undefined) untrackChild(current.pid);
      if (this.#live === current) this.#live = undefined;
      markClosed();
    };
    // Transport errors reach the request that meets them; nothing else needs them.
    client.onerror = () => undefined;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      current.tools = undefined;
    });
    return current;
  }

  async #list(live: Live): Promise<readonly McpToolDefinition[]> {
    const tools: McpToolDefinition[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const result = await live.client.listTools(cursor === undefined ? undefined : { cursor }, {
          timeout: this.#options.requestTimeoutMs,
        });
        tools.push(...result.tools);
        cursor = result.nextCursor;
        if (cursor === undefined) break;
      }
    } catch (error) {
      if (breaksConnection(error)) this.#drop(live);
      throw this.#failure(
        this.#label,
        `Cannot list the tools of MCP server '${this.#label}'`,
        error,
        live,
      );
    }
    return Object.freeze(tools);
  }

  /** Marks `live` unusable and shuts it down in the background; waiting calls fail at once. */
  #drop(live: Live, cause?: Error): void {
    if (cause && !live.brokenBy) live.brokenBy = cause;
    if (live.dead) return;
    live.dead = true;
    if (this.#live === live) this.#live = undefined;
    void shutDown(live);
  }

  #failure(toolName: string, what: string, error: unknown, live?: Live): ToolCallError {
    if (ToolCallError.isInstance(error)) return error;
    const cause = live?.brokenBy ?? error;
    return new ToolCallError(toolName, `${what}: ${describe(error, this.#options, live)}`, {
      cause,
    });
  }
}

function describe(error: unknown, options: McpConnectionConfig, live: Live | undefined): string {
  if (live?.brokenBy) return live.brokenBy.message;
  if (error instanceof McpError) {
    if (error.code === Number(ErrorCode.RequestTimeout)) {
      return `no answer within ${options.requestTimeoutMs} ms`;
    }
    if (error.code === Number(ErrorCode.ConnectionClosed))
      return 'the server closed the connection';
  }
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    // fetch() reports "fetch failed" and puts the reason (ECONNREFUSED, …) in its cause.
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/**
 * Whether the connection is unusable after this error: anything but an answer of the server
 * (a JSON-RPC error) or a request timeout (a slow tool does not take the others down with it).
 */
function breaksConnection(error: unknown): boolean {
  if (!(error instanceof McpError)) return true;
  return error.code === Number(ErrorCode.ConnectionClosed);
}

function isSessionLost(error: unknown): boolean {
  return error instanceof StreamableHTTPError && error.code === 404;
}

function cancelled(toolName: string, signal: AbortSignal): ToolCallError {
  return new ToolCallError(toolName, `Call of MCP tool '${toolName}' was cancelled`, {
    cause: signal.reason,
  });
}

/** Closes the client (which stops a stdio child) and waits, bounded, until it has exited. */
async function shutDown(live: Live): Promise<void> {
  live.dead = true;
  if (live.transport instanceof StreamableHTTPClientTransport && live.transport.sessionId) {
    // Tell the server the session is over; a server that is gone cannot be told.
    await withTimeout(live.transport.terminateSession(), 1_000).catch(() => undefined);
  }
  await live.client.close().catch(() => undefined);
  if (live.transport instanceof StdioClientTransport && live.pid !== undefined) {
    await withTimeout(live.closed, EXIT_WAIT_MS).catch(() => undefined);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (the work goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
