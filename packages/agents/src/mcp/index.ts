export { McpToolset, type McpToolsetConfig, type McpToolFilter } from './mcp-toolset.js';
export { McpTool } from './mcp-tool.js';
export type {
  McpServerParameters,
  McpStdioServer,
  McpHttpServer,
} from './mcp-server-parameters.js';
export { toFunctionResponse, toPart } from './call-tool-result.js';
export {
  createMcpServer,
  type CreateMcpServerConfig,
  type McpServedRunner,
} from './create-mcp-server.js';
export { createMcpHttpHandler, type McpHttpHandlerOptions } from './mcp-http-handler.js';
