import { InvalidArgumentError } from '@ferrite/core';

/**
 * What the store reads of a finished span: the fields of OpenTelemetry's `ReadableSpan`
 * (`@opentelemetry/sdk-trace-base` 1.x and 2.x), named here so the server needs no SDK.
 */
export interface FinishedSpan {
  readonly name: string;
  spanContext(): { traceId: string; spanId: string };
  /** The parent's context (SDK 2.x). */
  readonly parentSpanContext?: { spanId: string } | undefined;
  /** The parent's id (SDK 1.x). */
  readonly parentSpanId?: string | undefined;
  /** `[seconds, nanoseconds]` since the epoch. */
  readonly startTime: readonly [number, number];
  readonly endTime: readonly [number, number];
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Span events; Ferrite notes each stored event on its agent's span with `ferrite.event.id`. */
  readonly events?: readonly SpanEventLike[];
}

/** A span event as the SDK keeps it. */
interface SpanEventLike {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, unknown>> | undefined;
  readonly time: readonly [number, number];
}

/** A span as ADK's server sends it to the Dev UI (times in nanoseconds since the epoch). */
export interface DevSpan {
  name: string;
  span_id: string;
  trace_id: string;
  start_time: number;
  end_time: number;
  attributes: Record<string, unknown>;
  parent_span_id: string | null;
}

/** Options of {@link SpanStore}. */
export interface SpanStoreConfig {
  /** Spans kept; the oldest are evicted past it (default 10 000). */
  maxSpans?: number;
}

/** Which session, user and app a trace belongs to, learned from any of its spans. */
interface TraceOwner {
  sessionId: string;
  userId: string | undefined;
  appName: string | undefined;
}

/** The attributes Ferrite's instrumentation sets and the names ADK's Dev UI reads them by. */
const SESSION = 'gen_ai.conversation.id';
const USER = 'ferrite.user.id';
const APP = 'ferrite.app.name';
const INVOCATION = 'ferrite.invocation.id';
const EVENT = 'ferrite.event.id';
const OPERATION = 'gen_ai.operation.name';
const ADK_INVOCATION = 'gcp.vertex.agent.invocation_id';
const ADK_EVENT = 'gcp.vertex.agent.event_id';
const ADK_SESSION = 'gcp.vertex.agent.session_id';
const ADK_EVENTS = 'gcp.vertex.agent.associated_event_ids';
const ADK_REQUEST = 'gcp.vertex.agent.llm_request';
const ADK_RESPONSE = 'gcp.vertex.agent.llm_response';
const INPUT_MESSAGES = 'gen_ai.input.messages';
const OUTPUT_MESSAGES = 'gen_ai.output.messages';

/**
 * An in-process store of finished spans for the Dev UI's Traces tab: an OpenTelemetry
 * `SpanProcessor` (register it with the tracer provider) that keeps the last `maxSpans` spans,
 * evicting the oldest, and answers them by session (every span of every trace that carries the
 * session's `gen_ai.conversation.id`) or by event (`ferrite.event.id`).
 *
 * @example
 * ```ts
 * const spans = new SpanStore();
 * trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [spans] }));
 * createHandler({ apps: runner, spanStore: spans });
 * ```
 */
export class SpanStore {
  readonly #max: number;
  /** A ring: `#spans[(#head + i) % #max]` is the i-th oldest of `#count` spans. */
  readonly #spans: (FinishedSpan | undefined)[] = [];
  #head = 0;
  #count = 0;
  readonly #owners = new Map<string, TraceOwner>();
  /** Spans held per trace, so a trace's owner is forgotten with its last span. */
  readonly #perTrace = new Map<string, number>();
  readonly #byEvent = new Map<string, FinishedSpan>();

  constructor(options: SpanStoreConfig = {}) {
    const max = options.maxSpans ?? 10_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidArgumentError('maxSpans must be a positive integer');
    }
    this.#max = max;
  }

  /** Spans held now. */
  get size(): number {
    return this.#count;
  }

  /** `SpanProcessor.onStart`: nothing to do until the span ends. */
  onStart(): void {}

  /** `SpanProcessor.onEnd`: keeps the span, evicting the oldest one when full. */
  onEnd(span: FinishedSpan): void {
    const traceId = span.spanContext().traceId;
    if (this.#count === this.#max) this.#evictOldest();
    this.#spans[(this.#head + this.#count) % this.#max] = span;
    this.#count++;
    this.#perTrace.set(traceId, (this.#perTrace.get(traceId) ?? 0) + 1);
    const attributes = span.attributes;
    const sessionId = text(attributes[SESSION]) ?? text(attributes[ADK_SESSION]);
    if (sessionId !== undefined && !this.#owners.has(traceId)) {
      this.#owners.set(traceId, {
        sessionId,
        userId: text(attributes[USER]),
        appName: text(attributes[APP]),
      });
    }
    for (const eventId of eventIdsOf(span)) this.#byEvent.set(eventId, span);
  }

  /** `SpanProcessor.forceFlush`: spans are kept as they end; nothing is pending. */
  async forceFlush(): Promise<void> {}

  /** `SpanProcessor.shutdown`: forgets every span. */
  async shutdown(): Promise<void> {
    this.clear();
  }

  /** Forgets every span. */
  clear(): void {
    this.#spans.length = 0;
    this.#head = 0;
    this.#count = 0;
    this.#owners.clear();
    this.#perTrace.clear();
    this.#byEvent.clear();
  }

  /**
   * The spans of a session's traces, oldest first, in ADK's shape. With `userId` or `appName`,
   * only traces whose spans name that user or app (a trace that names none is kept).
   */
  spansOfSession(sessionId: string, filter: { userId?: string; appName?: string } = {}): DevSpan[] {
    const traces = new Set<string>();
    for (const [traceId, owner] of this.#owners) {
      if (owner.sessionId !== sessionId) continue;
      if (
        filter.userId !== undefined &&
        owner.userId !== undefined &&
        owner.userId !== filter.userId
      )
        continue;
      if (
        filter.appName !== undefined &&
        owner.appName !== undefined &&
        owner.appName !== filter.appName
      )
        continue;
      traces.add(traceId);
    }
    if (traces.size === 0) return [];
    const held: FinishedSpan[] = [];
    const byId = new Map<string, FinishedSpan>();
    for (let i = 0; i < this.#count; i++) {
      const span = this.#spans[(this.#head + i) % this.#max]!;
      if (!traces.has(span.spanContext().traceId)) continue;
      held.push(span);
      byId.set(span.spanContext().spanId, span);
    }
    return held.map((span) => toDevSpan(span, byId));
  }

  /** The owner of the trace of the span that produced an event, and that span's attributes. */
  spanOfEvent(eventId: string): { owner: TraceOwner | undefined; span: DevSpan } | undefined {
    const span = this.#byEvent.get(eventId);
    if (!span) return undefined;
    return { owner: this.#owners.get(span.spanContext().traceId), span: toDevSpan(span) };
  }

  #evictOldest(): void {
    const span = this.#spans[this.#head]!;
    this.#spans[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#max;
    this.#count--;
    const traceId = span.spanContext().traceId;
    const left = (this.#perTrace.get(traceId) ?? 1) - 1;
    if (left === 0) {
      this.#perTrace.delete(traceId);
      this.#owners.delete(traceId);
    } else {
      this.#perTrace.set(traceId, left);
    }
    for (const eventId of eventIdsOf(span)) {
      if (this.#byEvent.get(eventId) === span) this.#byEvent.delete(eventId);
    }
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function nanoseconds(time: readonly [number, number]): number {
  return time[0] * 1e9 + time[1];
}

/** The events a span produced: its own event id attribute and those of its span events. */
function eventIdsOf(span: FinishedSpan): string[] {
  const ids: string[] = [];
  const own = text(span.attributes[EVENT]) ?? text(span.attributes[ADK_EVENT]);
  if (own !== undefined) ids.push(own);
  for (const event of span.events ?? []) {
    const id = text(event.attributes?.[EVENT]);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/**
 * The event a model call resulted in: the first event noted on its agent's span once the call
 * ended (the runner stores the model's answer right after the call returns).
 */
function eventAfter(
  span: FinishedSpan,
  spans: ReadonlyMap<string, FinishedSpan>,
): string | undefined {
  const parentId = span.parentSpanContext?.spanId ?? span.parentSpanId;
  const parent = parentId === undefined ? undefined : spans.get(parentId);
  const ended = nanoseconds(span.endTime);
  for (const event of parent?.events ?? []) {
    const id = text(event.attributes?.[EVENT]);
    if (id !== undefined && nanoseconds(event.time) >= ended) return id;
  }
  return undefined;
}

/**
 * A span in the shape ADK's server answers, with Ferrite's ids also under the attribute names
 * the Dev UI reads (`gcp.vertex.agent.invocation_id`, `gcp.vertex.agent.event_id`). The UI
 * refuses a whole trace when a `generate_content` span lacks either id or an `invoke_agent`
 * span lacks `gen_ai.conversation.id`, so those are always present as strings.
 */
function toDevSpan(span: FinishedSpan, trace?: ReadonlyMap<string, FinishedSpan>): DevSpan {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (value !== undefined) attributes[key] = value;
  }
  const invocationId = text(attributes[INVOCATION]);
  if (invocationId !== undefined && attributes[ADK_INVOCATION] === undefined) {
    attributes[ADK_INVOCATION] = invocationId;
  }
  const eventId = text(attributes[EVENT]);
  if (eventId !== undefined && attributes[ADK_EVENT] === undefined) attributes[ADK_EVENT] = eventId;
  const noted = (span.events ?? []).flatMap((event) => {
    const id = text(event.attributes?.[EVENT]);
    return id === undefined ? [] : [id];
  });
  if (noted.length > 0 && attributes[ADK_EVENTS] === undefined) attributes[ADK_EVENTS] = noted;
  // A model call is `chat` in Ferrite's spans and `generate_content` in ADK's: the UI links a
  // model call to its event, and shows its request and response, only under ADK's name.
  if (attributes[OPERATION] === 'chat') {
    attributes[OPERATION] = 'generate_content';
    const answer =
      trace && attributes[ADK_EVENT] === undefined ? eventAfter(span, trace) : undefined;
    if (answer !== undefined) attributes[ADK_EVENT] = answer;
    if (attributes[ADK_REQUEST] === undefined && attributes[INPUT_MESSAGES] !== undefined) {
      attributes[ADK_REQUEST] = attributes[INPUT_MESSAGES];
    }
    if (attributes[ADK_RESPONSE] === undefined && attributes[OUTPUT_MESSAGES] !== undefined) {
      attributes[ADK_RESPONSE] = attributes[OUTPUT_MESSAGES];
    }
  }
  const operation = attributes[OPERATION];
  if (operation === 'generate_content') {
    if (typeof attributes[ADK_INVOCATION] !== 'string') attributes[ADK_INVOCATION] = '';
    if (typeof attributes[ADK_EVENT] !== 'string') attributes[ADK_EVENT] = '';
  } else if (operation === 'invoke_agent' && typeof attributes[SESSION] !== 'string') {
    attributes[SESSION] = '';
  }
  const context = span.spanContext();
  return {
    name: span.name,
    span_id: context.spanId,
    trace_id: context.traceId,
    start_time: nanoseconds(span.startTime),
    end_time: nanoseconds(span.endTime),
    attributes,
    parent_span_id: span.parentSpanContext?.spanId ?? span.parentSpanId ?? null,
  };
}
