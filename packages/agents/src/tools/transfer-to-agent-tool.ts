import type { Agent, JsonSchema, ToolContext } from '@ferrite/core';
import type { ArgumentCheck, SelfValidatingTool } from './tool-arguments.js';

/** Name of the tool an LLM agent calls to hand the conversation to another agent. */
export const TRANSFER_TOOL_NAME = 'transfer_to_agent';

/**
 * The `transfer_to_agent({ agent_name })` tool of one LLM agent: a call with an allowed name
 * sets `actions.transferToAgent`; any other name goes back to the model as an error.
 */
export class TransferToAgentTool implements SelfValidatingTool {
  /** Always `transfer_to_agent`. */
  readonly name = TRANSFER_TOOL_NAME;
  /** Tells the model when to call it. */
  readonly description: string;
  /** `{ agent_name }`, an enum of the allowed targets. */
  readonly parameters: JsonSchema;
  readonly #targets: ReadonlyMap<string, Agent>;

  constructor(targets: readonly Agent[]) {
    this.#targets = new Map(targets.map((agent) => [agent.name, agent]));
    const names = [...this.#targets.keys()];
    this.description =
      'Hands the conversation to another agent that is better suited to answer. Call it alone, and say nothing else.';
    this.parameters = {
      type: 'object',
      properties: {
        agent_name: {
          type: 'string',
          enum: names,
          description: 'Name of the agent to transfer to',
        },
      },
      required: ['agent_name'],
    };
  }

  /** Any name is accepted here; `execute` explains a wrong one to the model itself. */
  async validateArguments(args: Record<string, unknown>): Promise<ArgumentCheck> {
    return { ok: true, value: { ...args } };
  }

  /** Sets `actions.transferToAgent` for an allowed name; answers `{ error }` for any other. */
  async execute(args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    const name = args.agent_name;
    if (typeof name !== 'string' || !this.#targets.has(name)) {
      return {
        error: `Cannot transfer to ${JSON.stringify(name)}: choose one of ${[...this.#targets.keys()].join(', ')}`,
      };
    }
    context.actions.transferToAgent = name;
    return { transferredTo: name };
  }
}
