import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool as McpToolDefinition,
} from '@modelcontextprotocol/sdk/types.js';
import type { Observable } from 'rxjs';
import {
  FerriteError,
  InvalidArgumentError,
  isFinalResponse,
  textOf,
  userContent,
  validateName,
  type Agent,
  type Content,
  type Event,
  type Tool,
} from '@ferrite/core';
import { checkToolArguments } from '../tools/tool-arguments.js';
import { validateToolName } from '../tools/tool-name.js';
import { DetachedToolContext } from './detached-tool-context.js';

/** What {@link createMcpServer} needs of a runner: its root agent and `run` (a Ferrite `Runner` fits). */
export interface McpServedRunner {
  readonly appName: string;
  readonly agent: Agent;
  run(userId: string, sessionId: string, newMessage: Content): Observable<Event>;
}

/** Settings of {@link createMcpServer}: a runner whose agent becomes one tool, tools, or both. */
export interface CreateMcpServerConfig {
  /** Name the server announces (default: the runner's app name, else `ferrite`). */
  name?: string;
  /** Version the server announces (default `0.1.0`). */
  version?: string;
  /** Tools served as they are: their `parameters` are the MCP `inputSchema`. */
  tools?: readonly Tool[];
  /** A runner whose root agent is served as one tool taking `{ message, sessionId? }`. */
  runner?: McpServedRunner;
  /** How the agent tool is named and described, and whose sessions it runs in. */
  agentTool?: {
    /** Default: the agent's name. */
    name?: string;
    /** Default: the agent's description (or a sentence naming it). */
    description?: string;
    /** The user the agent's sessions belong to (default `mcp`). */
    userId?: string;
  };
}

const OBJECT_WITHOUT_PROPERTIES = Object.freeze({ type: 'object', properties: {} });

/** One served tool: its MCP definition and how a call is answered. */
interface Served {
  definition: McpToolDefinition;
  call(
    args: Record<string, unknown>,
    requestId: string,
    signal: AbortSignal,
  ): Promise<CallToolResult>;
}

/**
 * An MCP server (the SDK's `Server`, tools capability) serving Ferrite tools and/or an agent.
 * Each tool is listed with its `parameters` as the input schema; a call checks the arguments
 * against it and answers with the result as JSON text and as `structuredContent`. The agent is
 * one tool: it sends `message` to the runner (continuing `sessionId` when given, else a new
 * session) and answers with the final text and `{ text, sessionId }`. Failures are answered as
 * results with `isError: true` and the error's code and message. Connect the server to the
 * SDK's `StdioServerTransport`, or serve it over HTTP with {@link createMcpHttpHandler}.
 *
 * The low-level `Server` is used rather than `McpServer` because Ferrite tools carry JSON Schema,
 * which `McpServer.registerTool` only takes as zod schemas.
 *
 * @example
 * ```ts
 * const server = createMcpServer({ runner, tools: [weatherTool] });
 * await server.connect(new StdioServerTransport());
 * ```
 */
export function createMcpServer(config: CreateMcpServerConfig): Server {
  if (typeof config !== 'object' || config === null || (!config.runner && !config.tools?.length)) {
    throw new InvalidArgumentError('createMcpServer needs a runner, tools, or both');
  }
  const served = new Map<string, Served>();
  const add = (entry: Served) => {
    const name = entry.definition.name;
    if (served.has(name)) throw new InvalidArgumentError(`Two MCP tools would be named '${name}'`);
    served.set(name, entry);
  };
  const appName = config.runner?.appName ?? config.name ?? 'ferrite';
  for (const tool of config.tools ?? []) add(servedTool(tool, appName));
  if (config.runner) add(servedAgent(config.runner, config.agentTool ?? {}));

  const server = new Server(
    {
      name: config.name ?? config.runner?.appName ?? 'ferrite',
      version: config.version ?? '0.1.0',
    },
    { capabilities: { tools: {} } },
  );
  const definitions = [...served.values()].map((entry) => entry.definition);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: definitions }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const entry = served.get(request.params.name);
    if (!entry) return errorResult(`Unknown tool '${request.params.name}'`);
    try {
      return await entry.call(
        request.params.arguments ?? {},
        String(extra.requestId),
        extra.signal,
      );
    } catch (error) {
      return errorResult(
        FerriteError.isInstance(error) ? `${error.code}: ${error.message}` : messageOf(error),
      );
    }
  });
  return server;
}

function servedTool(tool: Tool, appName: string): Served {
  validateToolName(tool.name);
  return {
    definition: {
      name: tool.name,
      description: tool.description,
      inputSchema: (tool.parameters ??
        OBJECT_WITHOUT_PROPERTIES) as McpToolDefinition['inputSchema'],
    },
    async call(args, requestId, signal) {
      const check = await checkToolArguments(tool, args);
      if (!check.ok)
        return errorResult(`Invalid arguments for tool '${tool.name}': ${check.message}`);
      const context = new DetachedToolContext({
        appName,
        userId: 'mcp',
        callId: requestId,
        signal,
      });
      // An MCP client has no person to ask: a call that needs a confirmation is refused.
      const confirm = tool.requireConfirmation;
      if (
        confirm === true ||
        (typeof confirm === 'function' && (await confirm(check.value, context)))
      ) {
        return errorResult(
          `Tool '${tool.name}' needs a person's confirmation, which an MCP client cannot give`,
        );
      }
      const value: unknown = await tool.execute(check.value, context);
      const structured =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? (value as Record<string, unknown>)
          : { result: value ?? null };
      const json = JSON.stringify(structured);
      return {
        content: [{ type: 'text', text: json }],
        structuredContent: JSON.parse(json) as Record<string, unknown>,
      };
    },
  };
}

function servedAgent(
  runner: McpServedRunner,
  options: NonNullable<CreateMcpServerConfig['agentTool']>,
): Served {
  const agent = runner.agent;
  const name = validateToolName(options.name ?? agent.name);
  const userId = validateName('userId', options.userId ?? 'mcp');
  return {
    definition: {
      name,
      description:
        options.description ?? (agent.description || `Talks to the agent '${agent.name}'`),
      inputSchema: {
        type: 'object',
        properties: {
          message: { type: 'string', minLength: 1, description: 'What to tell the agent' },
          sessionId: {
            type: 'string',
            description:
              'Continue this conversation (from an earlier answer); omit to start a new one',
          },
        },
        required: ['message'],
      },
    },
    async call(args, _requestId, signal) {
      const message = args.message;
      if (typeof message !== 'string' || message === '') {
        return errorResult(`Tool '${name}' needs a non-empty string 'message'`);
      }
      const given = args.sessionId;
      if (given !== undefined && typeof given !== 'string') {
        return errorResult(`The sessionId of tool '${name}' must be a string`);
      }
      const sessionId = validateName('sessionId', given ?? randomUUID());
      const text = await finalText(runner.run(userId, sessionId, userContent(message)), signal);
      return {
        content: [{ type: 'text', text }],
        structuredContent: { text, sessionId },
      };
    },
  };
}

/** Runs to completion and gives the text of the last final response of an agent; cancelled by `signal`. */
function finalText(events: Observable<Event>, signal: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const subscription = events.subscribe({
      next: (event) => {
        if (event.author !== 'user' && isFinalResponse(event) && event.content) {
          const said = textOf(event.content);
          if (said !== '') text = said;
        }
      },
      error: (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
      complete: () => {
        signal.removeEventListener('abort', onAbort);
        resolve(text);
      },
    });
    function onAbort() {
      subscription.unsubscribe();
      reject(signal.reason as Error);
    }
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
