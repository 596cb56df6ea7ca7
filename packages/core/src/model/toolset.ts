import type { InvocationContext } from '../agent/invocation-context.js';
import type { Tool } from './tool.js';

/**
 * A source of tools resolved when a model is called rather than when the agent is built (the
 * tools of an MCP server, tools that depend on the session). An agent asks for the tools before
 * every model call, so a toolset caches what it fetched and owns whatever it connected to.
 *
 * @example
 * ```ts
 * const toolset: Toolset = {
 *   getTools: async () => [clockTool],
 *   close: async () => {},
 * };
 * const agent = new LlmAgent({ name: 'desk', model, tools: [searchTool, toolset] });
 * ```
 */
export interface Toolset {
  /** The tools to offer for this model call; `context` is the invocation asking for them. */
  getTools(context?: InvocationContext): Promise<readonly Tool[]>;
  /** Releases what the toolset holds (connections, child processes); later calls may reopen it. */
  close(): Promise<void>;
}

/** True when `entry` is a {@link Toolset} (it has `getTools`) rather than a {@link Tool}. */
export function isToolset(entry: Tool | Toolset): entry is Toolset {
  return typeof (entry as Partial<Toolset>).getTools === 'function';
}
