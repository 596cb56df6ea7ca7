import {
  InvalidArgumentError,
  type InvocationContext,
  type Tool,
  type ToolDeclaration,
  type Toolset,
} from '@ferrite/core';
import { validateToolName } from './tool-name.js';

/** The tools of one model call and what the model is told about them. */
export interface ResolvedTools {
  tools: ReadonlyMap<string, Tool>;
  declarations: ToolDeclaration[];
}

/** A tool as the model sees it. */
function declarationOf(tool: Tool): ToolDeclaration {
  return {
    name: tool.name,
    description: tool.description,
    ...(tool.parameters ? { parameters: tool.parameters } : {}),
  };
}

/**
 * Resolves an agent's toolsets before each model call of one run: the agent's own tools first,
 * then each toolset's in order. While every toolset returns the same array as last time (they
 * cache), the previous map and declarations are reused. Names must stay unique across all of
 * them (InvalidArgumentError otherwise).
 */
export class ToolsetResolver {
  readonly #agentName: string;
  readonly #base: ReadonlyMap<string, Tool>;
  readonly #toolsets: readonly Toolset[];
  #lastLists: (readonly Tool[])[] = [];
  #last: ResolvedTools | undefined;

  constructor(agentName: string, base: ReadonlyMap<string, Tool>, toolsets: readonly Toolset[]) {
    this.#agentName = agentName;
    this.#base = base;
    this.#toolsets = toolsets;
  }

  /** The tools for the next model call. */
  async resolve(context: InvocationContext): Promise<ResolvedTools> {
    const lists = await Promise.all(this.#toolsets.map((toolset) => toolset.getTools(context)));
    const last = this.#last;
    if (last && lists.every((list, index) => list === this.#lastLists[index])) return last;
    const tools = new Map(this.#base);
    for (const list of lists) {
      for (const tool of list) {
        validateToolName(tool.name);
        if (tools.has(tool.name)) {
          throw new InvalidArgumentError(
            `Agent '${this.#agentName}' has two tools named '${tool.name}' (one from a toolset); rename or filter one`,
          );
        }
        tools.set(tool.name, tool);
      }
    }
    this.#lastLists = lists;
    this.#last = { tools, declarations: [...tools.values()].map(declarationOf) };
    return this.#last;
  }
}
