import { InvalidArgumentError } from '@ferrite/core';

/** An MCP server started as a child process and spoken to over its stdin and stdout. */
export interface McpStdioServer {
  /** The program to start (looked up on `PATH`). */
  command: string;
  /** Its arguments. */
  args?: readonly string[];
  /**
   * Variables added to the child's environment. The child does not inherit the parent's whole
   * environment: only `HOME`, `LOGNAME`, `PATH`, `SHELL`, `TERM` and `USER`, so secrets are passed
   * on purpose or not at all.
   */
  env?: Readonly<Record<string, string>>;
  /** Working directory of the child. */
  cwd?: string;
  /** Where the child's standard error goes: the parent's (default) or nowhere. */
  stderr?: 'inherit' | 'ignore';
}

/** An MCP server reached over Streamable HTTP. */
export interface McpHttpServer {
  /** The server's MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`. */
  url: string | URL;
  /** Headers sent with every request, e.g. `{ authorization: 'Bearer …' }`. */
  headers?: Readonly<Record<string, string>>;
}

/** Where an MCP server is: a command to start, or an HTTP endpoint. */
export type McpServerParameters = McpStdioServer | McpHttpServer;

/** True when `server` names a command to start. */
export function isStdioServer(server: McpServerParameters): server is McpStdioServer {
  return 'command' in server;
}

/** Checks the parameters and returns a frozen copy; a bad value is an InvalidArgumentError. */
export function validateServerParameters(server: unknown): McpServerParameters {
  if (typeof server !== 'object' || server === null) {
    throw new InvalidArgumentError('An MCP server needs { command } (stdio) or { url } (HTTP)');
  }
  const given = server as Partial<McpStdioServer & McpHttpServer>;
  if ('command' in given) {
    if (typeof given.command !== 'string' || given.command === '') {
      throw new InvalidArgumentError(
        'The command of an MCP stdio server must be a non-empty string',
      );
    }
    if (
      given.args !== undefined &&
      (!Array.isArray(given.args) || !given.args.every((arg) => typeof arg === 'string'))
    ) {
      throw new InvalidArgumentError('The args of an MCP stdio server must be an array of strings');
    }
    if (given.stderr !== undefined && given.stderr !== 'inherit' && given.stderr !== 'ignore') {
      throw new InvalidArgumentError(
        "The stderr of an MCP stdio server must be 'inherit' or 'ignore'",
      );
    }
    return Object.freeze({
      ...given,
      args: Object.freeze([...(given.args ?? [])]),
    }) as McpStdioServer;
  }
  if ('url' in given) {
    let url: URL;
    try {
      url = new URL(String(given.url));
    } catch (error) {
      throw new InvalidArgumentError(
        `The url of an MCP HTTP server is not a URL: ${String(given.url)}`,
        {
          cause: error,
        },
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidArgumentError(
        `The url of an MCP HTTP server must be http(s): ${url.origin}`,
      );
    }
    return Object.freeze({ ...given, url });
  }
  throw new InvalidArgumentError('An MCP server needs { command } (stdio) or { url } (HTTP)');
}

/** A short label for messages: the command, or the URL's origin and path (never its query or credentials). */
export function serverLabel(server: McpServerParameters): string {
  if (isStdioServer(server)) return [server.command, ...(server.args ?? [])].join(' ');
  const url = new URL(String(server.url));
  return `${url.origin}${url.pathname}`;
}
