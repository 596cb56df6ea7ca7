import {
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
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
  /** Every call of that model content, in order. */
  turnCalls: readonly FunctionCall[];
  /** Index in `contents` of the content holding that turn's responses so far. */
  answering: number | undefined;
}

/** What the model is told about a call whose response was never stored. */
export const CANCELLED_CALL_RESPONSE: Readonly<Record<string, unknown>> = Object.freeze({
  error: 'The call was cancelled: the turn ended before it returned a result.',
});

const MAX_CACHED_HISTORIES = 256;

/**
 * The key of the state behind the in-memory session service's read-only view of a run's events
 * (`Symbol.for`; `@ferrite/session` names the same key): its first `length` events of `source`
 * are the session's events. Read only.
 */
const EVENTS_VIEW = Symbol.for('@ferrite/session.eventsView');

interface EventsViewState {
  readonly source: readonly Event[];
  readonly length: number;
}

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
  /** The key of the last call, and what it was made from (a run's model calls share it). */
  #lastKey: { session: Session; branch: string | undefined; key: string } | undefined;

  constructor(agentName: string) {
    this.#agentName = agentName;
  }

  /** The contents for the model: events of `branch` and its ancestors, oldest first, partials skipped. */
  contentsFor(session: Session, branch: string | undefined): Content[] {
    const last = this.#lastKey;
    const key =
      last?.session === session && last.branch === branch
        ? last.key
        : `${session.appName}\u0000${session.userId}\u0000${session.id}\u0000${branch ?? ''}`;
    const newest = last?.key === key;
    if (!newest) this.#lastKey = { session, branch, key };
    // A run's read-only view of a long in-memory history is read from the array behind it.
    const view = (session.events as { [EVENTS_VIEW]?: EventsViewState })[EVENTS_VIEW];
    const events = view ? view.source : session.events;
    const length = view ? view.length : events.length;
    let history = this.#histories.get(key);
    if (history && !stillPrefix(history, events, length)) history = undefined;
    history ??= {
      firstId: undefined,
      lastId: undefined,
      scanned: 0,
      contents: [],
      length: 0,
      openCalls: [],
      turnCalls: [],
      answering: undefined,
    };
    const agentName = this.#agentName;
    const contents = history.contents;
    for (let index = history.scanned; index < length; index += 1) {
      const event = events[index]!;
      const content = event.content;
      // The common event, handled here without a call (a first turn on a long session scans
      // every stored event, often before the code is optimized): the agent's own or the user's,
      // in no branch, one text or function-call part, or the one answer to the one open call.
      if (
        content !== undefined &&
        event.branch === undefined &&
        event.partial !== true &&
        (event.author === agentName || event.author === 'user') &&
        content.parts.length === 1
      ) {
        const part = content.parts[0]!;
        const call = part.functionCall;
        const response = part.functionResponse;
        if (response !== undefined) {
          // The one response to the turn's one call.
          const open = history.openCalls;
          if (
            open.length === 1 &&
            history.turnCalls.length === 1 &&
            history.answering === undefined &&
            content.role === 'user' &&
            call === undefined &&
            part.text === undefined &&
            response.id === open[0]!.id &&
            response.name !== REQUEST_CONFIRMATION_FUNCTION_CALL_NAME
          ) {
            history.openCalls = NO_CALLS;
            history.answering = contents.length;
            contents.push(content);
            continue;
          }
        } else if (
          history.openCalls.length === 0 &&
          (call === undefined
            ? part.text !== undefined
            : part.text === undefined &&
              content.role === 'model' &&
              call.name !== REQUEST_CONFIRMATION_FUNCTION_CALL_NAME)
        ) {
          contents.push(content);
          if (call !== undefined) {
            history.openCalls = history.turnCalls = [call];
            history.answering = undefined;
          }
          continue;
        }
      }
      if (event.branch !== undefined) {
        if (!isVisibleFromBranch(event.branch, branch)) continue;
        // An agent used as a tool: only its own branch sees its events (its caller sees the response).
        if (isPrivateToBranch(event) && !isWithinBranch(event.branch, branch)) continue;
      }
      const converted = this.#convert(event);
      if (converted) appendAnswered(history, converted);
    }
    history.scanned = length;
    history.firstId = length > 0 ? events[0]!.id : undefined;
    history.lastId = length > 0 ? events[length - 1]!.id : undefined;
    history.length = history.contents.length;
    // Least recently used first: a key used again moves to the end (unless it is there already).
    if (!newest || this.#histories.get(key) !== history) {
      this.#histories.delete(key);
      this.#histories.set(key, history);
    }
    if (this.#histories.size > MAX_CACHED_HISTORIES) {
      const oldest = this.#histories.keys().next().value;
      if (oldest !== undefined) this.#histories.delete(oldest);
    }
    // A history that ends on an unanswered call of this agent (a turn cut right after it) is
    // answered for this request only: the real response may still be appended later.
    if (history.openCalls.length > 0) {
      const contents = [...history.contents];
      closeTurn(history, contents);
      return contents;
    }
    return history.contents;
  }

  #convert(event: Event): Content | null {
    // The agent's own and the user's events without confirmation parts convert to their own
    // content (or nothing) at no cost: only rewritten contents are kept, so most events never
    // enter the WeakMap (whose entries the collector pays for).
    if (event.author === this.#agentName || event.author === 'user') {
      const content = event.content;
      if (event.partial || !content || content.parts.length === 0) return null;
      if (!hasConfirmation(content.parts)) return content;
    }
    let content = this.#converted.get(event);
    if (content === undefined) {
      content = convertEvent(event, this.#agentName);
      this.#converted.set(event, content);
    }
    return content;
  }
}

/**
 * Appends `content`, keeping every model turn's calls answered in one content right after it:
 * responses stored in several events (calls answered after a confirmation) are gathered into the
 * content that answers the turn, in call order. A turn cut by a cancellation, a crash or a stale
 * write can leave a call without a stored response, and providers refuse a history that holds
 * one: when the conversation moves on, the missing responses say the call was cancelled. A
 * response to no open call (a long-running call's result, sent after its first response) is
 * told as text, which every provider accepts.
 */
function appendAnswered(history: CachedHistory, content: Content): void {
  const contents = history.contents;
  const responses = responsesOf(content.parts);
  const onlyResponses = responses.length > 0 && responses.length === content.parts.length;
  if (history.openCalls.length > 0) {
    if (onlyResponses && answersAllInOrder(history, content)) {
      // The common turn: one content answering every open call, in order (kept as it is).
      history.openCalls = NO_CALLS;
      history.answering = contents.length;
      contents.push(content);
      return;
    }
    if (!onlyResponses) {
      closeTurn(history, contents);
    } else {
      const open = history.openCalls;
      const answering: Part[] = responses.filter((part) =>
        open.some((call) => call.id === part.functionResponse!.id),
      );
      if (answering.length > 0) {
        history.openCalls = open.filter(
          (call) => !answering.some((part) => part.functionResponse!.id === call.id),
        );
        if (history.answering === undefined) {
          history.answering = contents.length;
          contents.push(inCallOrder(history.turnCalls, answering));
        } else {
          const previous = contents[history.answering]!;
          contents[history.answering] = inCallOrder(history.turnCalls, [
            ...previous.parts,
            ...answering,
          ]);
        }
        if (answering.length === responses.length) return;
        content = {
          role: content.role,
          parts: responses.filter((part) => !answering.includes(part)),
        };
      }
    }
  }
  if (responses.length > 0 && content.role !== 'model') content = withLateResponsesAsText(content);
  contents.push(content);
  if (content.role === 'model') {
    let calls: FunctionCall[] | undefined;
    const parts = content.parts;
    for (let index = 0; index < parts.length; index += 1) {
      const call = parts[index]!.functionCall;
      if (call) (calls ??= []).push(call);
    }
    if (calls) {
      history.openCalls = calls;
      history.turnCalls = calls;
      history.answering = undefined;
    }
  }
}

const NO_PARTS: readonly Part[] = Object.freeze([]);
const NO_CALLS: readonly FunctionCall[] = Object.freeze([]);

/**
 * True when `content` is a user content whose parts answer the turn's open calls, which are all
 * of its calls, one each, in call order (the only answer the turn gets, as the slow path would
 * have built it).
 */
function answersAllInOrder(history: CachedHistory, content: Content): boolean {
  const open = history.openCalls;
  const parts = content.parts;
  if (
    content.role !== 'user' ||
    history.answering !== undefined ||
    open.length !== history.turnCalls.length ||
    parts.length !== open.length
  ) {
    return false;
  }
  for (let index = 0; index < parts.length; index += 1) {
    if (parts[index]!.functionResponse!.id !== open[index]!.id) return false;
  }
  return true;
}

/** True when one of `parts` is an `adk_request_confirmation` call or answer. */
function hasConfirmation(parts: readonly Part[]): boolean {
  for (let index = 0; index < parts.length; index += 1) {
    if (isConfirmation(parts[index]!)) return true;
  }
  return false;
}

/** The function-response parts of `parts` (one shared empty list when there are none). */
function responsesOf(parts: readonly Part[]): readonly Part[] {
  let found: Part[] | undefined;
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index]!;
    if (part.functionResponse !== undefined) (found ??= []).push(part);
  }
  return found ?? NO_PARTS;
}

/** Answers the open calls of the current turn as cancelled, in `contents` (the cache or a copy). */
function closeTurn(history: CachedHistory, contents: Content[]): void {
  const cancelled = history.openCalls.map((call): Part => ({
    functionResponse: { id: call.id, name: call.name, response: { ...CANCELLED_CALL_RESPONSE } },
  }));
  if (history.answering === undefined) {
    contents.push(inCallOrder(history.turnCalls, cancelled));
  } else {
    const previous = contents[history.answering]!;
    contents[history.answering] = inCallOrder(history.turnCalls, [...previous.parts, ...cancelled]);
  }
  if (contents === history.contents) {
    history.openCalls = [];
    history.answering = undefined;
  }
}

/**
 * A user-role content of function responses, ordered as the turn's calls. `parts` is a fresh
 * array of the caller's, frozen into the content (sorted first when out of order).
 */
function inCallOrder(calls: readonly FunctionCall[], parts: Part[]): Content {
  if (parts.length > 1 && !isInCallOrder(calls, parts)) {
    const position = new Map(calls.map((call, index) => [call.id, index]));
    const rank = (part: Part): number => position.get(part.functionResponse?.id ?? '') ?? 0;
    parts.sort((left, right) => rank(left) - rank(right));
  }
  return Object.freeze({ role: 'user', parts: Object.freeze(parts) as Part[] });
}

/** True when the responses already follow the calls' order (always so for one response). */
function isInCallOrder(calls: readonly FunctionCall[], parts: readonly Part[]): boolean {
  let previous = -1;
  for (const part of parts) {
    const id = part.functionResponse?.id;
    const rank = Math.max(
      0,
      calls.findIndex((call) => call.id === id),
    );
    if (rank < previous) return false;
    previous = rank;
  }
  return true;
}

/** `content` with its function responses, which answer no open call, told as text. */
function withLateResponsesAsText(content: Content): Content {
  return Object.freeze({
    role: content.role,
    parts: Object.freeze(
      content.parts.map((part) =>
        part.functionResponse
          ? {
              text: `The call ${part.functionResponse.id} of tool \`${part.functionResponse.name}\` returned: ${JSON.stringify(part.functionResponse.response)}`,
            }
          : part,
      ),
    ) as Part[],
  });
}

/**
 * True when `events` starts with the events the history was built from. Ids are compared, not
 * objects: an event id is unique within a session and an event never changes, so a service that
 * reads fresh objects on every call (PostgreSQL) still extends the cached list.
 */
function stillPrefix(history: CachedHistory, events: readonly Event[], length: number): boolean {
  if (history.contents.length !== history.length || length < history.scanned) return false;
  if (history.scanned === 0) return true;
  return events[0]?.id === history.firstId && events[history.scanned - 1]?.id === history.lastId;
}

/** One event as the agent `agentName` sees it, or null when it adds nothing to the conversation. */
export function convertEvent(event: Event, agentName: string): Content | null {
  if (event.partial || !event.content || event.content.parts.length === 0) return null;
  const content = withoutConfirmationParts(event.content);
  if (content.parts.length === 0) return null;
  if (event.author === agentName || event.author === 'user') return content;
  const parts: Part[] = [{ text: 'For context:' }];
  for (const part of content.parts) {
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

/** True for an `adk_request_confirmation` call or answer. */
function isConfirmation(part: Part): boolean {
  return (
    part.functionCall?.name === REQUEST_CONFIRMATION_FUNCTION_CALL_NAME ||
    part.functionResponse?.name === REQUEST_CONFIRMATION_FUNCTION_CALL_NAME
  );
}

/**
 * The content without `adk_request_confirmation` calls and answers: they are between the
 * framework and the person; the model sees the original call and, once answered, its response.
 */
function withoutConfirmationParts(content: Content): Content {
  if (!content.parts.some(isConfirmation)) return content;
  return Object.freeze({
    role: content.role,
    parts: Object.freeze(content.parts.filter((part) => !isConfirmation(part))) as Part[],
  });
}
