import type { JsonSchema, ToolContext } from '@ferrite/core';
import type { Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import {
  checkAgainstSchema,
  compileSchema,
  type ArgumentCheck,
  type SelfValidatingTool,
} from '../tools/tool-arguments.js';
import { toFunctionResponse } from './call-tool-result.js';
import type { McpConnection } from './mcp-connection.js';

/**
 * One tool of an MCP server, as an agent sees it: the server's `inputSchema` is its
 * `parameters`, and a call goes to the server over the toolset's connection (connecting or
 * restarting the server first when needed). Made by {@link McpToolset}.
 */
export class McpTool implements SelfValidatingTool {
  /** The name the model calls it by (the toolset's prefix, then the server's name). */
  readonly name: string;
  /** The server's description (or its title when it gives no description). */
  readonly description: string;
  /** The server's JSON Schema of the arguments. */
  readonly parameters: JsonSchema;
  /** The name the server knows the tool by. */
  readonly mcpName: string;
  /** The server's definition, as listed. */
  readonly definition: McpToolDefinition;
  readonly #connection: McpConnection;
  readonly #failRunOnError: boolean;
  readonly #checkable: boolean;

  constructor(
    definition: McpToolDefinition,
    name: string,
    connection: McpConnection,
    failRunOnError: boolean,
  ) {
    this.definition = definition;
    this.mcpName = definition.name;
    this.name = name;
    this.description = definition.description ?? definition.title ?? '';
    this.parameters = definition.inputSchema;
    this.#connection = connection;
    this.#failRunOnError = failRunOnError;
    this.#checkable = compiles(this.parameters, name);
  }

  /**
   * Checks the model's arguments against the server's schema; a schema this side cannot compile
   * (a dialect ajv does not read) lets the arguments through, and the server checks them.
   */
  async validateArguments(args: Record<string, unknown>): Promise<ArgumentCheck> {
    if (!this.#checkable) return { ok: true, value: structuredClone(args) };
    return checkAgainstSchema(this.parameters, this.name, args);
  }

  /**
   * Calls the tool on the server. The context's signal cancels the request (the server is told
   * with `notifications/cancelled`); failures to reach the server are ToolCallError (`tool.error`).
   */
  async execute(
    args: Record<string, unknown>,
    context?: Pick<ToolContext, 'signal'>,
  ): Promise<Record<string, unknown>> {
    const result = await this.#connection.callTool(this.mcpName, args, this.name, context?.signal);
    return toFunctionResponse(result, this.name, this.#failRunOnError);
  }
}

function compiles(schema: JsonSchema, name: string): boolean {
  try {
    compileSchema(schema, name);
    return true;
  } catch {
    return false;
  }
}
