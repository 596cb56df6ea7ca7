import { randomUUID } from 'node:crypto';
import {
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
  resumedAnswersFor,
  resumedNestedCallIds,
  type Event,
  type EventInit,
  type FunctionCall,
  type InvocationContext,
  type Part,
  type ToolConfirmation,
} from '@ferrite/core';
import type { ConfirmationAsk, ConfirmedCall } from '../llm/tool-calls.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The event that pauses the invocation (ADK's wire shape): one `adk_request_confirmation` call
 * per waiting call, with its own id, holding the original call and `toolConfirmation`; the ids
 * are long-running (so ADK clients offer an answer form) and the requests are recorded in
 * `actions.requestedToolConfirmations` under the original calls' ids.
 */
export function confirmationRequestEvent(asks: readonly ConfirmationAsk[]): EventInit {
  const parts: Part[] = [];
  const requested: Record<string, ToolConfirmation> = {};
  const ids: string[] = [];
  for (const { call, request, editableArguments } of asks) {
    const id = `adk-${randomUUID()}`;
    const toolConfirmation: ToolConfirmation = {
      ...(request.hint === undefined ? {} : { hint: request.hint }),
      confirmed: false,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    };
    parts.push({
      functionCall: {
        id,
        name: REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
        args: {
          originalFunctionCall: { id: call.id, name: call.name, args: call.args },
          toolConfirmation,
          ...(editableArguments ? { editableArguments: true } : {}),
        },
      },
    });
    requested[call.id] = toolConfirmation;
    ids.push(id);
  }
  return {
    content: { role: 'model', parts },
    longRunningToolIds: ids,
    actions: { requestedToolConfirmations: requested },
  };
}

/** The original calls an agent runs again because the newest user message answered them. */
export interface ResumedCalls {
  /** The original calls, in the order they were answered. */
  calls: FunctionCall[];
  /** Each call's answer and the arguments it runs with. */
  confirmed: Map<string, ConfirmedCall>;
}

/** True when the session's newest user event holds function responses (answers to resume with). */
function newestUserEventAnswers(events: readonly Event[]): boolean {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    if (event.author !== 'user') continue;
    return event.content?.parts.some((part) => part.functionResponse !== undefined) === true;
  }
  return false;
}

/** The newest call of `author` in `branch` with that id. */
function callById(
  events: readonly Event[],
  author: string,
  branch: string | undefined,
  id: string,
): FunctionCall | undefined {
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    if (event.author !== author || event.branch !== branch) continue;
    const part = event.content?.parts.find((candidate) => candidate.functionCall?.id === id);
    if (part?.functionCall) return part.functionCall;
  }
  return undefined;
}

/**
 * The confirmations the newest user message gave `agentName` in the context's branch and that it
 * has not acted on yet; undefined when there are none. A confirmed call of a tool that allows
 * edited arguments runs with the answer's payload as its arguments. Calls whose nested agent run
 * (an agent used as a tool) was answered run again too, with their own arguments: the nested
 * agent resumes inside them.
 */
export function confirmedCallsFor(
  context: InvocationContext,
  agentName: string,
): ResumedCalls | undefined {
  // Most turns start from an ordinary message: nothing to look up, nothing to allocate.
  if (!newestUserEventAnswers(context.session.events)) return undefined;
  const calls: FunctionCall[] = [];
  const confirmed = new Map<string, ConfirmedCall>();
  for (const answer of resumedAnswersFor(context.session.events, agentName, context.branch)) {
    const { request, confirmation } = answer;
    if (request.kind !== 'confirmation' || !confirmation) continue;
    const original = request.originalFunctionCall;
    const edits =
      confirmation.confirmed &&
      request.editableArguments &&
      request.toolConfirmation.payload === undefined &&
      isRecord(confirmation.payload);
    calls.push(original);
    confirmed.set(original.id, {
      confirmation: {
        ...(request.toolConfirmation.hint === undefined
          ? {}
          : { hint: request.toolConfirmation.hint }),
        confirmed: confirmation.confirmed,
        ...(confirmation.payload === undefined ? {} : { payload: confirmation.payload }),
      },
      args: edits ? (confirmation.payload as Record<string, unknown>) : original.args,
    });
  }
  const events = context.session.events;
  for (const id of resumedNestedCallIds(events, agentName, context.branch)) {
    const call = callById(events, agentName, context.branch, id);
    if (call && !calls.some((known) => known.id === id)) calls.push(call);
  }
  return calls.length > 0 ? { calls, confirmed } : undefined;
}
