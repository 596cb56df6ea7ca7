import type { Event } from '../types/event.js';
import type { FunctionCall } from '../types/content.js';
import {
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
  type ToolConfirmation,
} from './tool-confirmation.js';
import { continuedCallIds, type LongRunningMode } from './long-running-mode.js';

/** What every pending request records: the call an answer names and where it waits. */
interface PendingRequestBase {
  /** Id of the function call an answer must name (`functionResponse.id`). */
  id: string;
  /** The paused invocation; an answer resumes it under this id. */
  invocationId: string;
  /** The agent that waits for the answer. */
  author: string;
  /** Its branch, for agents in parallel branches. */
  branch?: string;
  /** Id of the stored event that holds the request. */
  eventId: string;
  /** When the request was stored (milliseconds since the epoch). */
  timestamp: number;
}

/** A tool call that waits for the person's confirmation (an `adk_request_confirmation` call). */
export interface PendingConfirmation extends PendingRequestBase {
  kind: 'confirmation';
  /** The call that runs once confirmed. */
  originalFunctionCall: FunctionCall;
  /** The hint and payload shown to the person (`confirmed: false`). */
  toolConfirmation: ToolConfirmation;
  /** The answer's `payload` may replace the call's arguments. */
  editableArguments: boolean;
}

/** A long-running tool call whose result a client sends later as a `functionResponse`. */
export interface PendingToolResult extends PendingRequestBase {
  kind: 'long_running';
  /** The long-running call. */
  functionCall: FunctionCall;
  /**
   * `'pause'`: the invocation stopped after the call; `'continue'`: the turn went on with the
   * call's first result, and the request stays pending across later messages until answered.
   */
  longRunning: LongRunningMode;
}

/** Something a paused invocation waits for. */
export type PendingRequest = PendingConfirmation | PendingToolResult;

/** One answer of a resuming message, bound to the request it answers. */
export interface ResumedAnswer {
  request: PendingRequest;
  /** The parsed decision, for a confirmation. */
  confirmation?: ToolConfirmation;
  /** The `functionResponse.response` as sent. */
  response: Record<string, unknown>;
}

/** The answers held by the session's latest user event, when that event answers requests. */
export interface Resumption {
  /** Index of the answering user event in the events given. */
  answerIndex: number;
  /** The paused invocation the answers resume. */
  invocationId: string;
  answers: ResumedAnswer[];
}

/** True when a user message answers requests (it holds function responses). */
function isAnswerEvent(event: Pick<Event, 'content'>): boolean {
  return event.content?.parts.some((part) => part.functionResponse !== undefined) ?? false;
}

/**
 * Index where the current stretch of requests starts: right after the newest user event that is
 * not an answer. A new ordinary message abandons what was pending before it.
 */
function windowStart(events: readonly Event[], end: number): number {
  for (let index = end - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    if (event.author === 'user' && !isAnswerEvent(event)) return index + 1;
  }
  return 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function confirmationOf(
  call: FunctionCall,
  base: PendingRequestBase,
): PendingConfirmation | undefined {
  const original = call.args.originalFunctionCall;
  const asked = call.args.toolConfirmation;
  if (!isRecord(original) || typeof original.id !== 'string' || typeof original.name !== 'string') {
    return undefined;
  }
  const toolConfirmation: ToolConfirmation = { confirmed: false };
  if (isRecord(asked)) {
    if (typeof asked.hint === 'string') toolConfirmation.hint = asked.hint;
    if (asked.payload !== undefined && asked.payload !== null)
      toolConfirmation.payload = asked.payload;
  }
  return {
    ...base,
    kind: 'confirmation',
    originalFunctionCall: {
      id: original.id,
      name: original.name,
      args: isRecord(original.args) ? original.args : {},
    },
    toolConfirmation,
    editableArguments: call.args.editableArguments === true,
  };
}

/** The base record of a request made by `call` in `event`. */
function baseOf(event: Event, call: FunctionCall & { id: string }): PendingRequestBase {
  return {
    id: call.id,
    invocationId: event.invocationId,
    author: event.author,
    ...(event.branch === undefined ? {} : { branch: event.branch }),
    eventId: event.id,
    timestamp: event.timestamp,
  };
}

/**
 * Long-running calls whose turn went on (`'continue'`) made before `start` and not answered
 * since: they stay pending across ordinary messages until a client sends their result.
 */
function carryContinued(
  events: readonly Event[],
  start: number,
  pending: Map<string, PendingRequest>,
  answered: Set<string>,
): void {
  for (let index = 0; index < start; index += 1) {
    const event = events[index]!;
    const parts = event.content?.parts ?? [];
    if (event.author === 'user') {
      if (pending.size === 0) continue;
      for (const part of parts) {
        const id = part.functionResponse?.id;
        if (id !== undefined && pending.delete(id)) answered.add(id);
      }
      continue;
    }
    const continued = continuedCallIds(event);
    if (continued.length === 0) continue;
    for (const part of parts) {
      const call = part.functionCall;
      if (!call?.id || !continued.includes(call.id)) continue;
      if (!event.longRunningToolIds?.includes(call.id)) continue;
      pending.set(call.id, {
        ...baseOf(event, call),
        kind: 'long_running',
        functionCall: call,
        longRunning: 'continue',
      });
    }
  }
}

/** The requests pending in `events[0, end)`, and the ids answered in the same stretch. */
function scan(
  events: readonly Event[],
  end: number,
): { pending: Map<string, PendingRequest>; answered: Set<string> } {
  const pending = new Map<string, PendingRequest>();
  const answered = new Set<string>();
  const start = windowStart(events, end);
  if (start > 0) carryContinued(events, start, pending, answered);
  for (let index = start; index < end; index += 1) {
    const event = events[index]!;
    const parts = event.content?.parts ?? [];
    if (event.author === 'user') {
      for (const part of parts) {
        const id = part.functionResponse?.id;
        if (id !== undefined && pending.delete(id)) answered.add(id);
      }
      continue;
    }
    for (const part of parts) {
      const call = part.functionCall;
      if (!call?.id) continue;
      const base = baseOf(event, call);
      if (call.name === REQUEST_CONFIRMATION_FUNCTION_CALL_NAME) {
        const request = confirmationOf(call, base);
        if (request) pending.set(call.id, request);
      } else if (event.longRunningToolIds?.includes(call.id)) {
        pending.set(call.id, {
          ...base,
          kind: 'long_running',
          functionCall: call,
          longRunning: continuedCallIds(event).includes(call.id) ? 'continue' : 'pause',
        });
      }
    }
  }
  return { pending, answered };
}

/**
 * The requests a session's paused invocation waits for, oldest first, read from its events
 * alone: `adk_request_confirmation` calls and long-running calls (`longRunningToolIds`) that
 * no user event has answered since the newest ordinary user message, and long-running calls
 * whose turn went on (`'continue'`) that no user event has answered at all.
 */
export function pendingRequestsOf(events: readonly Event[]): PendingRequest[] {
  return [...scan(events, events.length).pending.values()];
}

/** The pending requests of `events` with the ids already answered in the same stretch. */
export function pendingAndAnswered(events: readonly Event[]): {
  pending: Map<string, PendingRequest>;
  answered: Set<string>;
} {
  return scan(events, events.length);
}

/**
 * The answers held by the newest user event, bound to the requests they answer, or undefined
 * when that event is an ordinary message.
 */
export function resumptionOf(events: readonly Event[]): Resumption | undefined {
  let answerIndex = -1;
  for (let index = events.length - 1; index >= 0; index -= 1) {
    if (events[index]!.author === 'user') {
      answerIndex = index;
      break;
    }
  }
  const answerEvent = events[answerIndex];
  if (!answerEvent || !isAnswerEvent(answerEvent)) return undefined;
  const { pending } = scan(events, answerIndex);
  const answers: ResumedAnswer[] = [];
  for (const part of answerEvent.content?.parts ?? []) {
    const response = part.functionResponse;
    const request = response?.id === undefined ? undefined : pending.get(response.id);
    if (!response || !request) continue;
    const answer: ResumedAnswer = { request, response: response.response };
    if (request.kind === 'confirmation') {
      const decision = readConfirmationAnswer(response.response);
      if (decision) answer.confirmation = decision;
    }
    answers.push(answer);
  }
  if (answers.length === 0) return undefined;
  return { answerIndex, invocationId: answers[0]!.request.invocationId, answers };
}

/**
 * The answers of the newest user event that wait for `author` in `branch` and that it has not
 * acted on yet (it stored no event since). Empty when nothing is being resumed for it.
 */
export function resumedAnswersFor(
  events: readonly Event[],
  author: string,
  branch: string | undefined,
): ResumedAnswer[] {
  const resumption = resumptionOf(events);
  if (!resumption) return [];
  for (let index = resumption.answerIndex + 1; index < events.length; index += 1) {
    const event = events[index]!;
    if (event.author === author && event.branch === branch) return [];
  }
  return resumption.answers.filter(
    (answer) => answer.request.author === author && answer.request.branch === branch,
  );
}

/** A confirmation answer's fields: `{ confirmed, payload? }`, or that object as JSON in `response`. */
export interface ConfirmationAnswer extends ToolConfirmation {
  /** The original call, when the client echoes it back; it must match the pending one. */
  originalFunctionCall?: Record<string, unknown>;
}

/**
 * Reads a confirmation answer: `{ confirmed: boolean, payload? }`, or ADK's web form of it,
 * `{ response: "<that object as JSON>" }`. Undefined when it is neither.
 */
export function readConfirmationAnswer(
  response: Record<string, unknown>,
): ConfirmationAnswer | undefined {
  let value: unknown = response;
  if (typeof response.response === 'string' && response.confirmed === undefined) {
    try {
      value = JSON.parse(response.response);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value) || typeof value.confirmed !== 'boolean') return undefined;
  const answer: ConfirmationAnswer = { confirmed: value.confirmed };
  if (typeof value.hint === 'string') answer.hint = value.hint;
  if (value.payload !== undefined && value.payload !== null) answer.payload = value.payload;
  if (isRecord(value.originalFunctionCall))
    answer.originalFunctionCall = value.originalFunctionCall;
  return answer;
}

/** Structural equality of JSON values (key order ignored). */
export function jsonEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) {
    return false;
  }
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  if (Array.isArray(left)) {
    const other = right as unknown[];
    return (
      left.length === other.length && left.every((item, index) => jsonEqual(item, other[index]))
    );
  }
  const leftRecord = left as Record<string, unknown>;
  const rightRecord = right as Record<string, unknown>;
  const keys = Object.keys(leftRecord).filter((key) => leftRecord[key] !== undefined);
  const otherKeys = Object.keys(rightRecord).filter((key) => rightRecord[key] !== undefined);
  return (
    keys.length === otherKeys.length &&
    keys.every(
      (key) => Object.hasOwn(rightRecord, key) && jsonEqual(leftRecord[key], rightRecord[key]),
    )
  );
}
