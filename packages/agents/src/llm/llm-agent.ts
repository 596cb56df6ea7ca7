import { traceModelCall } from '../telemetry/model-call-telemetry.js';
import {
  InvalidArgumentError,
  ModelError,
  createEvent,
  newEventId,
  textOf,
  type Agent,
  type Content,
  type Event,
  type EventInit,
  type FunctionCall,
  type GenerateConfig,
  type InvocationContext,
  type Model,
  type ModelRequest,
  type ModelResponse,
  type Part,
  type Tool,
  type Toolset,
  isToolset,
  ShapeKeeper,
  throwIfAborted,
  validateAgentName,
} from '@ferrite/core';
import { attachSubAgents } from '../agent/attach-sub-agents.js';
import { TRANSFER_TOOL_NAME } from '../tools/transfer-to-agent-tool.js';
import { validateToolName } from '../tools/tool-name.js';
import { ToolsetResolver } from '../tools/toolset-resolver.js';
import { BranchHistory } from './branch-history.js';
import { renderInstruction } from './instruction-template.js';
import { assertKnownTools, runToolCalls, type ToolCallsOutcome } from './tool-calls.js';
import { toolTableOf } from './tool-table.js';
import {
  confirmationRequestEvent,
  confirmedCallsFor,
} from '../confirmation/confirmation-events.js';
import { systemInstructionOf } from './system-instruction.js';
import { awaitsAnswers } from '../confirmation/awaits-answers.js';
import { markContinuingCalls } from '../confirmation/long-running.js';
import { callModel } from '../callbacks/call-model.js';
import {
  callbackListsOf,
  type AgentCallbacks,
  type CallbackLists,
} from '../callbacks/callbacks.js';
import { StructuredOutput, type OutputSchema } from '../structured/output-schema.js';
import { checkStructuredAnswer } from '../structured/structured-answer.js';
import { historyAfterTransfer, modelOf, settingsOf } from './run-settings.js';
import type { InputGuardrail, OutputGuardrail } from '@ferrite/core';
import { checkedInputSchema } from '../tools/agent-tool-input.js';
import type { ToolParameters } from '../tools/function-tool.js';

/** An instruction: a template with `{state}` placeholders, or a function of the context (used as it is). */
export type Instruction = string | ((context: InvocationContext) => string | Promise<string>);

/** Settings of an {@link LlmAgent}; `TOutput` is the type of its structured answer. */
export interface LlmAgentConfig<TOutput = unknown> extends AgentCallbacks {
  /** Unique name in the agent tree: 1–128 letters, digits, `_` or `-`, not `user`. */
  name: string;
  /** What the agent is good at; other agents read it when choosing where to transfer. */
  description?: string;
  /** The language model that drives the agent. */
  model: Model;
  /** The system instruction: a template filled from state, or a function of the context. */
  instruction?: Instruction;
  /**
   * Tools the model may call, and toolsets (e.g. an MCP server's) whose tools are resolved before
   * every model call. Names must be unique across all of them; `transfer_to_agent` is reserved.
   */
  tools?: readonly (Tool | Toolset)[];
  /** Agents this one may hand the conversation to; their `parentAgent` becomes this agent. */
  subAgents?: readonly Agent[];
  /** State key that receives the text of the agent's final answer. */
  outputKey?: string;
  /** Do not offer a transfer back to the parent agent. */
  disallowTransferToParent?: boolean;
  /** Do not offer transfers to the parent's other sub-agents. */
  disallowTransferToPeers?: boolean;
  /** Generation settings passed to the model on every call. */
  generateConfig?: GenerateConfig;
  /**
   * The shape of the final answer (zod or JSON Schema): requested in the provider's
   * structured-output mode, parsed and checked; `outputKey` then stores the parsed value.
   */
  outputSchema?: OutputSchema<TOutput>;
  /** Times an answer that fails `outputSchema` is sent back to the model; default 1. */
  outputRetries?: number;
  /** Ask the provider to enforce `outputSchema` exactly (OpenAI `strict`); default false. */
  outputSchemaStrict?: boolean;
  /** Checks of the user's message when this agent answers it (after the run's). */
  inputGuardrails?: readonly InputGuardrail[];
  /** Checks of the final answer when this agent gives it (after the run's). */
  outputGuardrails?: readonly OutputGuardrail[];
  /**
   * The arguments the agent takes when used as a tool (`AgentTool`; ADK's `input_schema`), zod or
   * JSON Schema; it then receives them as JSON text. Without it the tool takes `{ request }`.
   */
  inputSchema?: ToolParameters;
}

// The newest model request, model response and answer of any LlmAgent (see ShapeKeeper in
// @ferrite/core): the loop is compiled against their shapes, which nothing else holds between
// turns.
const requestShape = new ShapeKeeper<ModelRequest>();
const responseShape = new ShapeKeeper<ModelResponse>();
const answerShape = new ShapeKeeper<EventInit>();

/**
 * An agent driven by a language model: it builds a request from its instruction, the user's
 * memories and the history of its branch, calls the model, runs the tools it asks for
 * (concurrently) and loops until the model answers with text or transfers to another agent.
 *
 * @example
 * ```ts
 * const agent = new LlmAgent({
 *   name: 'assistant',
 *   model: new OpenAIChatModel({ baseURL: 'http://127.0.0.1:11434/v1', model: 'qwen3' }),
 *   instruction: 'Help {user:name?} with the weather.',
 *   tools: [weatherTool],
 * });
 * ```
 */
export class LlmAgent<TOutput = unknown> implements Agent {
  /** The agent's name, unique in its tree. */
  readonly name: string;
  /** What the agent is good at (empty when not given). */
  readonly description: string;
  /** Agents this one may transfer to. */
  readonly subAgents: readonly Agent[];
  /** The agent this one belongs to, set when it is given to a parent. */
  parentAgent?: Agent | undefined;
  /** An LLM agent may receive the next turn after it answered or was transferred to. */
  readonly acceptsTransfer = true;
  /** The model it calls. */
  readonly model: Model;
  /** Its instruction template or function. */
  readonly instruction: Instruction | undefined;
  /** The tools it offers the model (without the built-in `transfer_to_agent` and its toolsets' tools). */
  readonly tools: readonly Tool[];
  /** Its toolsets, asked for their tools before every model call (the agent does not close them). */
  readonly toolsets: readonly Toolset[];
  /** State key that receives the text of its final answer. */
  readonly outputKey: string | undefined;
  /** Whether transfers back to the parent are withheld. */
  readonly disallowTransferToParent: boolean;
  /** Whether transfers to the parent's other sub-agents are withheld. */
  readonly disallowTransferToPeers: boolean;
  /** Generation settings passed to the model. */
  readonly generateConfig: GenerateConfig | undefined;
  readonly #history: BranchHistory;
  /** The schema of its final answer, when it has one. */
  readonly outputSchema: OutputSchema<TOutput> | undefined;
  /** Times an answer that fails the schema is sent back to the model. */
  readonly outputRetries: number;
  /** Checks of the user's message when this agent answers it. */
  readonly inputGuardrails: readonly InputGuardrail[];
  /** Checks of the final answer when this agent gives it. */
  readonly outputGuardrails: readonly OutputGuardrail[];
  /** The arguments it takes when used as a tool, when it declares them. */
  readonly inputSchema: ToolParameters | undefined;
  readonly #callbacks: CallbackLists;
  readonly #structured: StructuredOutput<TOutput> | undefined;

  constructor(config: LlmAgentConfig<TOutput>) {
    this.name = validateAgentName(config.name);
    if (!config.model || typeof config.model.generate !== 'function') {
      throw new InvalidArgumentError(`Agent '${this.name}' needs a model`);
    }
    const instruction = config.instruction;
    if (
      instruction !== undefined &&
      typeof instruction !== 'string' &&
      typeof instruction !== 'function'
    ) {
      throw new InvalidArgumentError(
        `The instruction of agent '${this.name}' must be a string or a function`,
      );
    }
    if (
      config.outputKey !== undefined &&
      (typeof config.outputKey !== 'string' || config.outputKey === '')
    ) {
      throw new InvalidArgumentError(
        `The outputKey of agent '${this.name}' must be a non-empty string`,
      );
    }
    this.description = config.description ?? '';
    this.model = config.model;
    this.instruction = instruction;
    const entries = config.tools ?? [];
    this.tools = Object.freeze(entries.filter((entry): entry is Tool => !isToolset(entry)));
    this.toolsets = Object.freeze(entries.filter(isToolset));
    const toolNames = new Set<string>();
    for (const tool of this.tools) {
      validateToolName(tool.name);
      if (tool.name === TRANSFER_TOOL_NAME) {
        throw new InvalidArgumentError(
          `Tool name '${TRANSFER_TOOL_NAME}' is reserved (agent '${this.name}')`,
        );
      }
      if (toolNames.has(tool.name)) {
        throw new InvalidArgumentError(`Agent '${this.name}' has two tools named '${tool.name}'`);
      }
      toolNames.add(tool.name);
    }
    this.outputKey = config.outputKey;
    this.disallowTransferToParent = config.disallowTransferToParent ?? false;
    this.disallowTransferToPeers = config.disallowTransferToPeers ?? false;
    this.generateConfig = config.generateConfig;
    this.subAgents = attachSubAgents(this, config.subAgents);
    this.#history = new BranchHistory(this.name);
    this.#callbacks = callbackListsOf(
      config,
      (key) =>
        new InvalidArgumentError(
          `The ${key} of agent '${this.name}' must be a function or a list of functions`,
        ),
    );
    this.outputSchema = config.outputSchema;
    this.#structured =
      config.outputSchema === undefined
        ? undefined
        : new StructuredOutput(config.outputSchema, this.name, config.outputSchemaStrict ?? false);
    const retries = config.outputRetries ?? 1;
    if (!Number.isInteger(retries) || retries < 0) {
      throw new InvalidArgumentError(
        `The outputRetries of agent '${this.name}' must be a non-negative integer`,
      );
    }
    this.outputRetries = retries;
    this.inputGuardrails = Object.freeze([...(config.inputGuardrails ?? [])]);
    this.outputGuardrails = Object.freeze([...(config.outputGuardrails ?? [])]);
    this.inputSchema = checkedInputSchema(this.name, config.inputSchema);
  }

  /**
   * Parses and checks a final answer against the output schema (the text itself without one);
   * throws OutputValidationError when it does not match.
   */
  parseOutput(text: string): TOutput {
    if (!this.#structured) return text as TOutput;
    const verdict = checkStructuredAnswer(
      this.#structured,
      this.name,
      { role: 'model', parts: [{ text }] },
      0,
    );
    // With no retries left an invalid answer throws, so the verdict is a valid one.
    return (verdict as { value: TOutput }).value;
  }

  /** Its model and tool callbacks as lists (the tool-call path reads them). */
  get callbackLists(): CallbackLists {
    return this.#callbacks;
  }

  /**
   * The agents `transfer_to_agent` may name: sub-agents, the parent (unless disallowed) and
   * the parent's other sub-agents (unless disallowed). Parent and peers count only when the
   * parent accepts transfers (not a workflow agent).
   */
  transferTargets(): Agent[] {
    const targets: Agent[] = [...this.subAgents];
    const parent = this.parentAgent;
    if (parent && parent.acceptsTransfer !== false) {
      if (!this.disallowTransferToParent) targets.push(parent);
      if (!this.disallowTransferToPeers) {
        for (const peer of parent.subAgents) if (peer !== this) targets.push(peer);
      }
    }
    return targets;
  }

  /** Runs the model-and-tools loop for one invocation, yielding its events as they happen. */
  async *run(context: InvocationContext): AsyncGenerator<Event> {
    const targets = this.transferTargets();
    // Built once per agent and tree, shared by its runs (a Map, the transfer tool, declarations).
    const table = toolTableOf(this, this.tools, targets);
    let tools: ReadonlyMap<string, Tool> = table.tools;
    let declarations = table.declarations;
    // Agents without toolsets keep one map for the whole run; with toolsets, it is resolved per call.
    const toolsets =
      this.toolsets.length > 0 ? new ToolsetResolver(this.name, tools, this.toolsets) : undefined;
    const stream = context.runConfig.streamingMode !== 'none';
    // Resuming a paused invocation: the calls the person answered run before the model is asked.
    let resumed = confirmedCallsFor(context, this.name);
    // Answers that failed the output schema and the check's message, for the next request only.
    let corrections: Content[] = [];
    let retriesLeft = this.outputRetries;
    for (;;) {
      throwIfAborted(context);
      if (toolsets) ({ tools, declarations } = await toolsets.resolve(context));
      if (resumed) {
        assertKnownTools(resumed.calls, tools, this.name);
        const outcome = await runToolCalls(context, resumed.calls, tools, resumed.confirmed);
        resumed = undefined;
        for (const event of this.#toolOutcomeEvents(context, outcome)) yield event;
        if (endsAfterTools(context, outcome, false)) return;
        continue;
      }
      const request: ModelRequest = {
        contents: historyAfterTransfer(
          context,
          this.name,
          this.#history.contentsFor(context.session, context.branch),
        ),
        tools: declarations,
      };
      // A template or a plain string is rendered at once: awaiting it would cost a promise.
      const instructionText = this.#instructionText(context);
      const systemInstruction = systemInstructionOf(
        typeof instructionText === 'string' ? instructionText : await instructionText,
        targets,
        this.parentAgent,
        context.memories,
      );
      if (systemInstruction) request.systemInstruction = systemInstruction;
      const config = settingsOf(context, this.generateConfig);
      if (config) request.config = config;
      if (this.#structured) request.outputSchema = this.#structured.declaration;
      if (corrections.length > 0) request.contents = [...request.contents, ...corrections];

      requestShape.keep(request);
      let final: ModelResponse | undefined;
      // One response, one identity: its partial chunks carry the id of the event it ends in.
      const responseId = newEventId();
      const model = modelOf(context, this.model);
      for await (const response of traceModelCall(
        context,
        model,
        request,
        callModel(context, model, request, this.#callbacks, stream),
      )) {
        if (response.partial) {
          if (stream && response.content)
            yield this.#event(context, {
              id: responseId,
              partial: true,
              content: response.content,
            });
          continue;
        }
        final = response;
      }
      throwIfAborted(context);
      if (!final) throw new ModelError(`The model of agent '${this.name}' ended without an answer`);

      const content = withCallIds(final.content);
      const calls = callsOf(content);
      const answer: EventInit = { id: responseId };
      if (content) answer.content = content;
      if (final.usage) answer.usage = final.usage;
      if (final.errorCode !== undefined) answer.errorCode = final.errorCode;
      if (final.errorMessage !== undefined) answer.errorMessage = final.errorMessage;
      responseShape.keep(final);
      answerShape.keep(answer);

      if (calls.length === 0 && this.#structured) {
        const verdict = checkStructuredAnswer(this.#structured, this.name, content, retriesLeft);
        if (verdict.kind === 'retry') {
          retriesLeft -= 1;
          corrections = [...corrections, ...verdict.corrections];
          continue;
        }
        if (this.outputKey) context.state.set(this.outputKey, verdict.value);
        yield this.#event(context, answer);
        return;
      }
      corrections = [];
      if (calls.length === 0) {
        if (
          this.outputKey &&
          content?.parts.some((part) => part.text !== undefined && !part.thought)
        ) {
          context.state.set(this.outputKey, textOf(content));
        }
        yield this.#event(context, answer);
        return;
      }

      assertKnownTools(calls, tools, this.name);
      const longRunningIds = longRunningIdsOf(calls, tools);
      if (longRunningIds) {
        answer.longRunningToolIds = longRunningIds;
        markContinuingCalls(answer, context, calls, tools);
      }
      yield this.#event(context, answer);
      if (context.ended) return;

      const outcome = await runToolCalls(context, calls, tools);
      for (const event of this.#toolOutcomeEvents(context, outcome)) yield event;
      if (endsAfterTools(context, outcome, true)) return;
    }
  }

  /**
   * The events of one batch of tool calls: their responses (calls waiting for a confirmation
   * have none yet) and the confirmation request that pauses the invocation after them. A plain
   * list (made before they are stored, as nothing in them depends on it), not a generator of
   * its own: a delegated generator costs promises per event.
   */
  #toolOutcomeEvents(context: InvocationContext, outcome: ToolCallsOutcome): Event[] {
    const events: Event[] = [];
    if (outcome.responses.length > 0 || !awaitsAnswers(outcome)) {
      events.push(
        this.#event(context, {
          content: {
            role: 'user',
            parts: outcome.responses.map((functionResponse) => ({ functionResponse })),
          },
          actions: outcome.actions,
        }),
      );
    }
    if (outcome.confirmations.length > 0) {
      events.push(this.#event(context, confirmationRequestEvent(outcome.confirmations)));
    }
    return events;
  }

  #instructionText(context: InvocationContext): string | Promise<string> {
    const instruction = this.instruction;
    if (instruction === undefined) return '';
    if (typeof instruction === 'function') return instruction(context);
    return renderInstruction(instruction, context.state, this.name);
  }

  /**
   * An event of this agent in the context's branch. State and artifact writes of the agent
   * and its tools are not put here: the runner attaches them to the next non-partial event of
   * this agent and branch.
   */
  #event(context: InvocationContext, init: EventInit): Event {
    const event = createEvent(init);
    event.invocationId = context.invocationId;
    event.author = this.name;
    if (context.branch !== undefined) event.branch = context.branch;
    return event;
  }
}

/**
 * True when the model-and-tools loop ends after a batch of tool calls whose events were stored:
 * a pause for confirmation, a transfer, an escalation, a skipped summary, an ended invocation, a
 * nested run that paused, or (for calls the model just made) a long-running call. Read after the
 * events were stored, as storing them may end the invocation.
 */
function endsAfterTools(
  context: InvocationContext,
  outcome: ToolCallsOutcome,
  stopOnLongRunning: boolean,
): boolean {
  const { transferToAgent, escalate, skipSummarization } = outcome.actions;
  return (
    outcome.confirmations.length > 0 ||
    context.ended ||
    transferToAgent !== undefined ||
    escalate === true ||
    skipSummarization === true ||
    outcome.pausedNested === true ||
    (stopOnLongRunning && outcome.longRunning)
  );
}

/**
 * The model's content in the `model` role (whatever a provider called it) in which every
 * function call has an id and an args object: the content itself when it already is, else a copy.
 */
function withCallIds(content: Content | undefined): Content | undefined {
  if (!content) return undefined;
  if (content.role === 'model' && content.parts.every(hasIdAndArgs)) return content;
  return {
    role: 'model',
    parts: content.parts.map((part) =>
      part.functionCall
        ? {
            ...part,
            functionCall: {
              ...part.functionCall,
              id: part.functionCall.id || `ferrite-${newEventId()}`,
              args: part.functionCall.args ?? {},
            },
          }
        : { ...part },
    ),
  };
}

const NO_CALLS: readonly FunctionCall[] = Object.freeze([]);

/** The function calls of the content, in order (one shared empty list when it has none). */
function callsOf(content: Content | undefined): readonly FunctionCall[] {
  if (!content) return NO_CALLS;
  let calls: FunctionCall[] | undefined;
  const parts = content.parts;
  for (let index = 0; index < parts.length; index += 1) {
    const call = parts[index]!.functionCall;
    if (call) (calls ??= []).push(call);
  }
  return calls ?? NO_CALLS;
}

/** Ids of the calls of long-running tools, or undefined when there are none. */
function longRunningIdsOf(
  calls: readonly FunctionCall[],
  tools: ReadonlyMap<string, Tool>,
): string[] | undefined {
  let ids: string[] | undefined;
  for (const call of calls) if (tools.get(call.name)?.isLongRunning) (ids ??= []).push(call.id);
  return ids;
}

/** True unless the part is a function call without an id or args. */
function hasIdAndArgs(part: Part): boolean {
  const call = part.functionCall;
  return call === undefined || (Boolean(call.id) && call.args !== undefined);
}
