import { randomUUID } from 'node:crypto';
import type { Content, FunctionCall, FunctionResponse } from './content.js';
import type { ToolConfirmation } from '../confirmation/tool-confirmation.js';
import { ShapeKeeper } from '../run/keep-shape.js';

/** Side effects an event carries: state and artifact changes, control flow. */
export interface EventActions {
  /** State keys written by this step; always present, may be `{}`. */
  stateDelta: Record<string, unknown>;
  /** Artifact filename -> version saved in this step. */
  artifactDelta: Record<string, number>;
  /** Name of the agent that should continue the invocation. */
  transferToAgent?: string;
  /** Asks the enclosing loop agent to stop. */
  escalate?: boolean;
  /** The tool result is the final answer; the model is not asked to summarise it. */
  skipSummarization?: boolean;
  /** Confirmations asked for, by the id of the function call that waits for them (ADK's shape). */
  requestedToolConfirmations?: Record<string, ToolConfirmation>;
  /** Progress of workflow agents, by agent name, recorded on an event that pauses the invocation. */
  agentState?: Record<string, Record<string, unknown>>;
}

/** Token counts of one model call. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
}

/** One thing that happened in a session: a user message, a model reply, a tool call or result. */
export interface Event {
  id: string;
  invocationId: string;
  /** `'user'` or the name of the agent that produced it. */
  author: string;
  /** Dot-separated path of agent names, for agents running in parallel branches. */
  branch?: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  content?: Content;
  /** A streamed fragment: emitted, never stored. */
  partial?: boolean;
  turnComplete?: boolean;
  errorCode?: string;
  errorMessage?: string;
  actions: EventActions;
  longRunningToolIds?: string[];
  customMetadata?: Record<string, unknown>;
  usage?: Usage;
}

/** What {@link createEvent} takes: any event fields, with `actions` fields optional. */
export type EventInit = Partial<Omit<Event, 'actions'>> & { actions?: Partial<EventActions> };

// Ids are a random 74-bit prefix per process (a version-4 UUID's first 24 characters) and a
// 48-bit counter, so they keep the UUID form and stay unique across processes and restarts
// while costing no random bytes per event. They are unique, not secret: nothing may rely on an
// id being unguessable.
let idPrefix = randomUUID().slice(0, 24);
let idCounter = 0;
const COUNTER_LIMIT = 2 ** 48;

/** Creates a fresh event id, in UUID form, unique across processes. */
export function newEventId(): string {
  if (idCounter === COUNTER_LIMIT) {
    idPrefix = randomUUID().slice(0, 24);
    idCounter = 0;
  }
  const counter = idCounter.toString(16);
  idCounter += 1;
  return idPrefix + '000000000000'.slice(counter.length) + counter;
}

/** The newest event made by createEvent (see ShapeKeeper). */
const eventShape = new ShapeKeeper<Event>();

/** Builds a complete {@link Event}, filling id, timestamp, actions and empty invocation/author. */
export function createEvent(init: EventInit = {}): Event {
  // The required fields are laid out by a literal, then the init is copied onto it. A spread
  // (`{ ...init }`) followed by new fields is what V8 (Node 20) does worst: the spread's result
  // takes a map outside the transition tree, so every field added after it builds new maps,
  // some twenty times the cost of this form. Events are created on every step of every run.
  const event: Event = Object.assign(
    { id: '', invocationId: '', author: '', timestamp: 0, actions: NO_ACTIONS },
    init as Partial<Event>,
  );
  event.id = init.id ?? newEventId();
  event.invocationId = init.invocationId ?? '';
  event.author = init.author ?? '';
  event.timestamp = init.timestamp ?? Date.now();
  const actions = init.actions;
  if (actions) {
    const copy: EventActions = Object.assign({ stateDelta: {}, artifactDelta: {} }, actions);
    copy.stateDelta = actions.stateDelta ?? {};
    copy.artifactDelta = actions.artifactDelta ?? {};
    event.actions = copy;
  } else {
    event.actions = { stateDelta: {}, artifactDelta: {} };
  }
  // Events live for a turn unless a store keeps them (stores keep copies): the newest one
  // keeps their shape through a collection between turns.
  eventShape.keep(event);
  return event;
}

/** A placeholder until createEvent sets the event's own actions (never left on an event). */
const NO_ACTIONS: EventActions = Object.freeze({
  stateDelta: Object.freeze({}),
  artifactDelta: Object.freeze({}),
});

/** The function calls in an event's content, in order. */
export function getFunctionCalls(event: Pick<Event, 'content'>): FunctionCall[] {
  const calls: FunctionCall[] = [];
  for (const part of event.content?.parts ?? [])
    if (part.functionCall) calls.push(part.functionCall);
  return calls;
}

/** The function responses in an event's content, in order. */
export function getFunctionResponses(event: Pick<Event, 'content'>): FunctionResponse[] {
  const responses: FunctionResponse[] = [];
  for (const part of event.content?.parts ?? []) {
    if (part.functionResponse) responses.push(part.functionResponse);
  }
  return responses;
}

/**
 * True when the event is a final response for the user: not partial and without function
 * calls or responses; or a tool result that skips summarisation; or long-running tool calls.
 */
export function isFinalResponse(event: Event): boolean {
  if (event.actions.skipSummarization || (event.longRunningToolIds?.length ?? 0) > 0) return true;
  return (
    !event.partial &&
    getFunctionCalls(event).length === 0 &&
    getFunctionResponses(event).length === 0
  );
}

/** Freezes an event and everything inside it, so it can be shared without copying. */
export function freezeEvent(event: Event): Readonly<Event> {
  return deepFreeze(event);
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
