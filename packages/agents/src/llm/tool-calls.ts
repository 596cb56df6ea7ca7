import { traceToolCall } from '../telemetry/tool-call-telemetry.js';
import {
  FerriteError,
  ModelBehaviorError,
  PluginError,
  REJECTED_CALL_RESPONSE,
  ToolCallError,
  isAborted,
  jsonCopy,
  type ConfirmationRequest,
  type EventActions,
  type FunctionCall,
  type FunctionResponse,
  type InvocationContext,
  type Tool,
  type ToolConfirmation,
} from '@ferrite/core';
import {
  AWAITING_CONFIRMATION,
  AWAITING_NESTED,
  confirmationGate,
} from '../confirmation/confirmation-gate.js';
import { pausesOnLongRunning } from '../confirmation/long-running.js';

/** A call without a response yet: it waits for the person, or for an agent it ran. */
type Awaiting = typeof AWAITING_CONFIRMATION | typeof AWAITING_NESTED;
import { checkToolArguments } from '../tools/tool-arguments.js';
import { callTool } from '../callbacks/call-tool.js';
import { callbackListsOfAgent } from '../callbacks/callbacks.js';
import { TRANSFER_TOOL_NAME } from '../tools/transfer-to-agent-tool.js';
import { CallToolContext } from './call-tool-context.js';
import { toolBatch } from './tool-batch.js';

/** What running one response's function calls produced. */
export interface ToolCallsOutcome {
  /** One response per call, in call order. */
  responses: FunctionResponse[];
  /** Control-flow actions the tools asked for (transfer, escalate, skipSummarization). */
  actions: Partial<EventActions>;
  /** A long-running tool that pauses the invocation was called (not one whose turn continues). */
  longRunning: boolean;
  /** A call ran an agent that left a request pending: the call waits, with no response yet. */
  pausedNested: boolean;
  /** Calls that wait for the person's confirmation (they have no response in `responses`). */
  confirmations: ConfirmationAsk[];
}

/** A call that asked for a confirmation, and what it asked. */
export interface ConfirmationAsk {
  call: FunctionCall;
  request: ConfirmationRequest;
  /** The tool lets the person edit the arguments. */
  editableArguments: boolean;
}

/** The person's answer for a call run again after a confirmation, with the arguments it runs with. */
export interface ConfirmedCall {
  confirmation: ToolConfirmation;
  args: Record<string, unknown>;
}

/** Throws ModelBehaviorError when the model called a tool the agent does not have. */
export function assertKnownTools(
  calls: readonly FunctionCall[],
  tools: ReadonlyMap<string, Tool>,
  agentName: string,
): void {
  for (const call of calls) {
    if (!tools.has(call.name)) {
      throw new ModelBehaviorError(
        `The model of agent '${agentName}' called tool '${call.name}', which the agent does not have (tools: ${[...tools.keys()].join(', ') || 'none'})`,
      );
    }
  }
}

/**
 * Runs every call concurrently. A thrown error goes back to the model as `{ error }`, unless
 * the tool fails the run (then the other calls are aborted and ToolCallError is thrown);
 * arguments that fail the tool's schema go back as `{ error }` without running it; only the
 * first `transfer_to_agent` call counts.
 */
export async function runToolCalls(
  context: InvocationContext,
  calls: readonly FunctionCall[],
  tools: ReadonlyMap<string, Tool>,
  confirmed?: ReadonlyMap<string, ConfirmedCall>,
): Promise<ToolCallsOutcome> {
  const batch = toolBatch(context, calls.length);
  const firstTransfer = calls.find((call) => call.name === TRANSFER_TOOL_NAME);
  const toolContexts: CallToolContext[] = [];
  const settled = await batch.settle(
    calls
      .map(async (call): Promise<Record<string, unknown> | Awaiting> => {
        const tool = tools.get(call.name)!;
        if (call.name === TRANSFER_TOOL_NAME && call !== firstTransfer) {
          return { error: 'Only the first transfer_to_agent call of a response is carried out' };
        }
        const answer = confirmed?.get(call.id);
        const checking = checkToolArguments(tool, answer?.args ?? call.args);
        const check = checking instanceof Promise ? await checking : checking;
        if (!check.ok)
          return { error: `Invalid arguments for tool '${call.name}': ${check.message}` };
        const toolContext = new CallToolContext(context, call.id, batch, answer?.confirmation);
        toolContexts.push(toolContext);
        try {
          // A tool that never asks for confirmation skips the gate's async call.
          const rule = tool.requireConfirmation;
          const gate =
            rule === undefined || rule === false
              ? 'run'
              : await confirmationGate(tool, check.value, toolContext);
          if (gate === 'rejected') return { ...REJECTED_CALL_RESPONSE };
          if (gate === 'ask') return AWAITING_CONFIRMATION;
          const result = await traceToolCall(context, tool, call, () =>
            callTool(
              tool,
              check.value,
              toolContext,
              callbackListsOfAgent(context.agent),
              context.plugins ?? [],
            ),
          );
          if (toolContext.confirmationRequest) return AWAITING_CONFIRMATION;
          if (toolContext.awaitingNested) return AWAITING_NESTED;
          return toResponse(result);
        } catch (error) {
          if (isAborted(context)) throw context.signal.reason;
          if (ToolCallError.isInstance(error) || PluginError.isInstance(error)) throw error;
          const message = error instanceof Error ? error.message : String(error);
          if ((tool as { failRunOnError?: boolean }).failRunOnError) {
            throw new ToolCallError(tool.name, `Tool '${tool.name}' failed: ${message}`, {
              cause: error,
            });
          }
          return { error: message };
        }
      })
      .map(batch.watch),
  );
  if (isAborted(context)) throw context.signal.reason;
  const responses: FunctionResponse[] = [];
  const confirmations: ConfirmationAsk[] = [];
  let pausedNested = false;
  for (let index = 0; index < settled.length; index += 1) {
    const result = settled[index]!;
    if (result.status === 'rejected') throw firstFailure(settled) ?? result.reason;
    const call = calls[index]!;
    if (result.value === AWAITING_NESTED) {
      pausedNested = true;
    } else if (result.value === AWAITING_CONFIRMATION) {
      const asked = toolContexts.find((toolContext) => toolContext.functionCallId === call.id);
      confirmations.push({
        call,
        request: asked?.confirmationRequest ?? {},
        editableArguments: tools.get(call.name)?.editableArguments === true,
      });
    } else {
      responses.push({ id: call.id, name: call.name, response: result.value });
    }
  }
  const actions: Partial<EventActions> = {};
  for (const toolContext of toolContexts) {
    const asked = toolContext.askedActions;
    if (!asked) continue;
    if (asked.transferToAgent !== undefined) actions.transferToAgent ??= asked.transferToAgent;
    if (asked.escalate) actions.escalate = true;
    if (asked.skipSummarization) actions.skipSummarization = true;
  }
  const longRunning = pausesOnLongRunning(context, calls, tools);
  return { responses, actions, longRunning, confirmations, pausedNested };
}

/** The error that caused the others: a run-failing ToolCallError before the aborts it triggered. */
function firstFailure(settled: PromiseSettledResult<unknown>[]): unknown {
  for (const result of settled) {
    if (result.status === 'rejected' && FerriteError.isInstance(result.reason))
      return result.reason;
  }
  return undefined;
}

/** Objects go back as they are, anything else as `{ result }`; the value is made JSON-safe. */
function toResponse(value: unknown): Record<string, unknown> {
  const wrapped =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? value
      : { result: value ?? null };
  try {
    return jsonCopy(wrapped as Record<string, unknown>, "The tool's result");
  } catch (error) {
    const reason = ((error as Error).cause as Error | undefined) ?? (error as Error);
    return { error: `The tool's result cannot be sent to the model: ${reason.message}` };
  }
}
