export { LlmAgent, type LlmAgentConfig, type Instruction } from './llm/llm-agent.js';
export { SequentialAgent, type SequentialAgentConfig } from './workflow/sequential-agent.js';
export { ParallelAgent, type ParallelAgentConfig } from './workflow/parallel-agent.js';
export { LoopAgent, type LoopAgentConfig } from './workflow/loop-agent.js';
export type { WorkflowAgentConfig } from './workflow/workflow-agent.js';
export {
  FunctionTool,
  type FunctionToolConfig,
  type ToolParameters,
  type ToolArguments,
} from './tools/function-tool.js';
export { LoadMemoryTool, loadMemory, type LoadMemoryToolConfig } from './tools/load-memory-tool.js';
export { TRANSFER_TOOL_NAME } from './tools/transfer-to-agent-tool.js';
export { renderInstruction } from './llm/instruction-template.js';
export { AgentTool, type AgentToolConfig } from './tools/agent-tool.js';
export type {
  AgentCallbacks,
  CallbackList,
  BeforeModelCallback,
  AfterModelCallback,
  OnModelErrorCallback,
  BeforeToolCallback,
  AfterToolCallback,
  OnToolErrorCallback,
} from './callbacks/callbacks.js';
export type { OutputSchema } from './structured/output-schema.js';
