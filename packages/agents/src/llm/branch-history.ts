import {
  isPrivateToBranch,
  isWithinBranch,
  type Content,
  type Event,
  type FunctionCall,
  type Part,
  type Session,
} from '@ferrite/core';

interface CachedHistory {
  /** Id of the session's first event when the list was last extended. */
  firstId: string | undefined;
  /** Id of the last event scanned. */
  lastId: string | undefined;
  /** Events scanned so far (the session's length at the last call). */
  scanned: number;
  /** The converted contents handed out. */
  contents: Content[];
  /** Length of `contents` when it was handed out; anything else means a caller changed it. */
  length: number;
  /** Calls of the last own model content that no later content has answered yet. */
  openCalls: readonly FunctionCall[];
}

/** What the model is told about a call whose response was never stored. */
export const CANCELLED_CALL_RESPONSE: Readonly<Record<string, unknown>> = Object.freeze({
  error: 'The call was cancelled: the turn ended before it returned a result.',
});

const MAX_CACHED_HISTORIES = 256;

/** True when an event of `eventBranch` is visible from `branch` (the same branch or an ancestor). */
export function isVisibleFromBranch(
  eventBranch: string | undefined,
  branch: string | undefined,
): boolean {
  if (!branch || !eventBranch) return true;
  return branch === eventBranch || branch.startsWith(`${eventBranch}.`);
}

/**
 * Builds the conversation one LLM agent sends to its model from a session's events. Events
 * are immutable, so each one is converted once (own events keep their content; other agents'
 * are rewritten as user-role context, frozen); the converted list of a session and branch is
 * kept and only extended when the session has only grown since the last call (same first and
 * last known event ids), whether the service hands out the same event objects or fresh copies.
 *
 * The returned array is that cached list itself, not a copy (copying a long history on every
 * model call would cost as much as the rest of the turn): it is valid until the next call for
 * the same session and branch, which may append to it. A model that keeps a request after
 * `generate` returns must copy it; a caller that changes the array only causes a rebuild.
 */
export class BranchHistory {
  readonly #agentName: string;
  readonly #converted = new WeakMap<Event, Content | null>();
  readonly #histories = new Map<string, CachedHistory>();

  constructor(agentName: string) {
    this.#agentName = agentName;
  }

  /** The contents for the model: events of `branch` and its ancestors, oldest first, partials skipped. */
  contentsFor(session: Session, branch: string | undefined): Content[] {
    const key = `${session.appName}\u0000${session.userId}\u0000${session.id}\u0000${branch ?? ''}`;
    const events = session.events;
    let history = this.#histories.get(key);
    if (history && !stillPrefix(history, events)) history = undefined;
    history ??= {
      firstId: undefined,
      lastId: undefined,
      scanned: 0,
      contents: [],
      length: 0,
      openCalls: [],
    };
    for (let index = history.scanned; index < events.length; index += 1) {
      const event = events[index]!;
      if (!isVisibleFromBranch(event.branch, branch)) continue;
      // An agent used as a tool: only its own branch sees its events (its caller sees the response).
      if (isPrivateToBranch(event) && !isWithinBranch(event.branch!, branch)) continue;
      const content = this.#convert(event);
      if (content) appendAnswered(history, content);
    }
    history.scanned = events.length;
    history.firstId = events[0]?.id;
    history.lastId = events[events.length - 1]?.id;
    history.length = history.contents.length;
    this.#histories.delete(key);
    this.#histories.set(key, history);
    if (this.#histories.size > MAX_CACHED_HISTORIES) {
      const oldest = this.#histories.keys().next().value;
      if (oldest !== undefined) this.#histories.delete(oldest);
    }
    // A history that ends on an unanswered call of this agent (a turn cut right after it) is
    // answered for this request only: the real response may still be appended later.
    if (history.openCalls.length > 0) {
      return [...history.contents, cancelledResponses(history.openCalls, [])];
    }
    return history.contents;
  }

  #convert(event: Event): Content | null {
    let content = this.#converted.get(event);
    if (content === undefined) {
      content = convertEvent(event, this.#agentName);
      this.#converted.set(event, content);
    }
    return content;
  }
}

/**
 * Appends `content`, first answering the calls of the previous own model content that it does
 * not answer: a turn cut by a cancellation, a crash or a stale write can leave a function call
 * without a stored response, and providers refuse a history that holds one. The missing
 * responses say the call was cancelled; they go into the content that answers the other calls
 * of the same model turn, or into a content of their own before `content`.
 */
function appendAnswered(history: CachedHistory, content: Content): void {
  const open = history.openCalls;
  if (open.length > 0) {
    history.openCalls = [];
    const answered = new Set<string>();
    for (const part of content.parts) {
      if (part.functionResponse) answered.add(part.functionResponse.id);
    }
    const missing = answered.size === 0 ? open : open.filter((call) => !answered.has(call.id));
    if (missing.length > 0) {
      if (answered.size === 0) history.contents.push(cancelledResponses(missing, []));
      else content = cancelledResponses(missing, content.parts);
    }
  }
  history.contents.push(content);
  if (content.role === 'model') {
    const calls: FunctionCall[] = [];
    for (const part of content.parts) if (part.functionCall) calls.push(part.functionCall);
    if (calls.length > 0) history.openCalls = calls;
  }
}

/** A user-role content answering `calls` as cancelled, followed by `rest`. */
function cancelledResponses(calls: readonly FunctionCall[], rest: readonly Part[]): Content {
  const parts: Part[] = calls.map((call) => ({
    functionResponse: { id: call.id, name: call.name, response: { ...CANCELLED_CALL_RESPONSE } },
  }));
  parts.push(...rest);
  return Object.freeze({ role: 'user', parts: Object.freeze(parts) as Part[] });
}

/**
 * True when `events` starts with the events the history was built from. Ids are compared, not
 * objects: an event id is unique within a session and an event never changes, so a service that
 * reads fresh objects on every call (PostgreSQL) still extends the cached list.
 */
function stillPrefix(history: CachedHistory, events: readonly Event[]): boolean {
  if (history.contents.length !== history.length || events.length < history.scanned) return false;
  if (history.scanned === 0) return true;
  return events[0]?.id === history.firstId && events[history.scanned - 1]?.id === history.lastId;
}

/** One event as the agent `agentName` sees it, or null when it adds nothing to the conversation. */
export function convertEvent(event: Event, agentName: string): Content | null {
  if (event.partial || !event.content || event.content.parts.length === 0) return null;
  if (event.author === agentName || event.author === 'user') return event.content;
  const parts: Part[] = [{ text: 'For context:' }];
  for (const part of event.content.parts) {
    if (part.thought) continue;
    if (part.text !== undefined) {
      parts.push({ text: `[${event.author}] said: ${part.text}` });
    } else if (part.functionCall) {
      parts.push({
        text: `[${event.author}] called tool \`${part.functionCall.name}\` with parameters: ${JSON.stringify(part.functionCall.args)}`,
      });
    } else if (part.functionResponse) {
      parts.push({
        text: `[${event.author}] \`${part.functionResponse.name}\` tool returned result: ${JSON.stringify(part.functionResponse.response)}`,
      });
    } else {
      parts.push(part);
    }
  }
  return parts.length > 1
    ? Object.freeze({ role: 'user', parts: Object.freeze(parts) as Part[] })
    : null;
}
