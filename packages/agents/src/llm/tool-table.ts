import type { Agent, Tool, ToolDeclaration } from '@ferrite/core';
import { TRANSFER_TOOL_NAME, TransferToAgentTool } from '../tools/transfer-to-agent-tool.js';

/** An agent's own tools by name (with `transfer_to_agent` when it has targets) and their declarations. */
export interface ToolTable {
  readonly tools: ReadonlyMap<string, Tool>;
  /** Frozen: every request of every run of the agent shares it. */
  readonly declarations: ToolDeclaration[];
}

interface CachedTable extends ToolTable {
  readonly ownTools: readonly Tool[];
  readonly targets: readonly Agent[];
}

const tables = new WeakMap<object, CachedTable>();

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * The tool table of `agent` for a run: built once and reused by every later run while the
 * agent's tools and transfer targets are the same objects in the same order (a tree changed
 * after it was built, e.g. a parent attached later, gets a new table on its next run).
 */
export function toolTableOf(
  agent: object,
  ownTools: readonly Tool[],
  targets: readonly Agent[],
): ToolTable {
  const cached = tables.get(agent);
  if (cached && cached.ownTools === ownTools && sameList(cached.targets, targets)) return cached;
  const tools = new Map<string, Tool>(ownTools.map((tool) => [tool.name, tool]));
  if (targets.length > 0) tools.set(TRANSFER_TOOL_NAME, new TransferToAgentTool(targets));
  const declarations = Object.freeze(
    [...tools.values()].map((tool) =>
      Object.freeze({
        name: tool.name,
        description: tool.description,
        ...(tool.parameters ? { parameters: tool.parameters } : {}),
      }),
    ),
  ) as ToolDeclaration[];
  const table: CachedTable = { tools, declarations, ownTools, targets: [...targets] };
  tables.set(agent, table);
  return table;
}
