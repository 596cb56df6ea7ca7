import {
  InvalidArgumentError,
  ToolCallError,
  type Agent,
  type Event,
  type JsonSchema,
  type Tool,
  type ToolContext,
} from '@ferrite/core';
import { validateToolName } from './tool-name.js';
import { inputArgumentsTool, inputSchemaOf } from './agent-tool-input.js';
import {
  checkAgainstSchema,
  type ArgumentCheck,
  type SelfValidatingTool,
} from './tool-arguments.js';
import type { FunctionTool, ToolParameters } from './function-tool.js';

/** Settings of an {@link AgentTool}. */
export interface AgentToolConfig {
  /** The agent the tool runs; its name is the tool's name, its description the tool's. */
  agent: Agent;
  /** End the calling agent's turn with the wrapped agent's answer (no summary by the caller). */
  skipSummarization?: boolean;
}

/** A wrapped agent that checks its own final answer (an LlmAgent with an output schema). */
interface StructuredAgent extends Agent {
  parseOutput(text: string): unknown;
  readonly outputSchema: unknown;
}

function hasStructuredOutput(agent: Agent): agent is StructuredAgent {
  const candidate = agent as Partial<StructuredAgent>;
  return candidate.outputSchema !== undefined && typeof candidate.parseOutput === 'function';
}

/** The text of an answer event: its non-thought text parts, when it calls and answers no tool. */
function answerText(event: Event): string | undefined {
  const parts = event.content?.parts;
  if (!parts || parts.some((part) => part.functionCall || part.functionResponse)) return undefined;
  const texts = parts.filter((part) => typeof part.text === 'string' && !part.thought);
  return texts.length > 0 ? texts.map((part) => part.text).join('') : undefined;
}

/**
 * An agent used as a tool: the calling agent's model sends a `request` (or, when the wrapped agent
 * declares an `inputSchema`, arguments of that shape, which it receives as JSON text), the wrapped
 * agent runs on it inside the same invocation and session, in its own branch (`<caller>.<agent>`),
 * and its final answer (text, or the parsed value when it has an output schema) is the tool's
 * result. Its events are stored and emitted, but other agents' histories leave them out: the
 * caller sees only the function response. A confirmation its tools ask for pauses the whole
 * invocation; the answer resumes it inside this call.
 *
 * @example
 * ```ts
 * const translator = new LlmAgent({ name: 'translator', description: 'Translates to French', model });
 * const writer = new LlmAgent({ name: 'writer', model, tools: [new AgentTool({ agent: translator })] });
 * ```
 */
export class AgentTool implements Tool, SelfValidatingTool {
  /** The wrapped agent's name. */
  readonly name: string;
  /** The wrapped agent's description. */
  readonly description: string;
  /** The wrapped agent's input schema as JSON Schema, or `{ request: string }`. */
  readonly parameters: JsonSchema;
  /** The wrapped agent. */
  readonly agent: Agent;
  /** Whether the caller's turn ends with the wrapped agent's answer. */
  readonly skipSummarization: boolean;
  /** Checks arguments against the wrapped agent's input schema, when it declares one. */
  readonly #input: FunctionTool<ToolParameters> | undefined;

  constructor(config: AgentToolConfig) {
    const agent = config?.agent;
    if (typeof agent !== 'object' || agent === null || typeof agent.run !== 'function') {
      throw new InvalidArgumentError('AgentTool needs an agent');
    }
    this.agent = agent;
    this.name = validateToolName(agent.name);
    this.description = agent.description || `Runs the agent '${agent.name}'`;
    this.skipSummarization = config.skipSummarization ?? false;
    const inputSchema = inputSchemaOf(agent);
    this.#input =
      inputSchema === undefined
        ? undefined
        : inputArgumentsTool(agent.name, this.name, this.description, inputSchema);
    this.parameters =
      this.#input?.parameters ??
      Object.freeze({
        type: 'object',
        properties: {
          request: { type: 'string', description: `What to ask '${agent.name}'` },
        },
        required: ['request'],
      });
  }

  /** Checks the model's arguments against the input schema (zod or JSON Schema) or `{ request }`. */
  async validateArguments(args: Record<string, unknown>): Promise<ArgumentCheck> {
    if (this.#input) return this.#input.validateArguments(args);
    return checkAgainstSchema(this.parameters, this.name, args);
  }

  /** Runs the wrapped agent on the request and answers with its final answer. */
  async execute(args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    if (typeof context.runAgent !== 'function') {
      throw new ToolCallError(
        this.name,
        `Tool '${this.name}' runs an agent, which needs a Runner's tool context`,
      );
    }
    // With an input schema the agent receives the checked arguments as JSON (as in ADK).
    const request = this.#input ? JSON.stringify(args) : String(args.request);
    let answer: string | undefined;
    for await (const event of context.runAgent(this.agent, {
      role: 'user',
      parts: [{ text: request }],
    })) {
      if (event.partial) continue;
      const text = answerText(event);
      if (text !== undefined) answer = text;
    }
    if (this.skipSummarization) context.actions.skipSummarization = true;
    if (answer === undefined) return { result: '' };
    if (hasStructuredOutput(this.agent)) return this.agent.parseOutput(answer);
    return { result: answer };
  }
}
