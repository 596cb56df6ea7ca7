import { textOf, type ToolContext } from '@ferrite/core';
import { FunctionTool } from './function-tool.js';

/** Settings of a {@link LoadMemoryTool}. */
export interface LoadMemoryToolConfig {
  /** Memories returned per search (default 5). */
  limit?: number;
}

/**
 * Lets the model search the user's long-term memory with a query of its own. Answers
 * `{ memories: [{ author, text, timestamp }] }`, best match first; empty without a memory service.
 *
 * @example
 * ```ts
 * const agent = new LlmAgent({ name: 'assistant', model, tools: [new LoadMemoryTool()] });
 * ```
 */
export class LoadMemoryTool extends FunctionTool {
  constructor(config: LoadMemoryToolConfig = {}) {
    const limit = config.limit ?? 5;
    super({
      name: 'load_memory',
      description:
        'Searches what the user said in earlier conversations. Call it with a short query when the answer may depend on something from the past.',
      parameters: {
        type: 'object',
        properties: { query: { type: 'string', description: 'Words to look for' } },
        required: ['query'],
      },
      execute: async (args: Record<string, unknown>, context: ToolContext) => {
        const entries = await context.searchMemory(String(args.query), limit);
        return {
          memories: entries.map((entry) => ({
            author: entry.author ?? null,
            text: textOf(entry.content),
            timestamp: entry.timestamp ?? null,
          })),
        };
      },
    });
  }
}

/** A ready {@link LoadMemoryTool} with the default limit. */
export const loadMemory: LoadMemoryTool = new LoadMemoryTool();
