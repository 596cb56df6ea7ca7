import { performance } from 'node:perf_hooks';
import { SpanKind, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  TelemetryAttributes as A,
  agentSpanAttributes,
  agentSpanName,
  invocationAttributes,
  noopLogger,
  safeLog,
  setTraceParent,
  toFerriteError,
  traceParentOf,
  type Event,
  type FerriteError,
  type InvocationContext,
  type Logger,
  type ResolvedRunConfig,
} from '@ferrite/core';
import { Halted } from '../invocation/halted.js';
import type { RunRequest, RunnerParts } from '../invocation/run-request.js';
import { activeTracer } from './active-tracer.js';
import { runInstruments, type RunInstruments } from './run-metrics.js';
import { endSpanWithError } from './span-end.js';

/** Why a run stopped before its end, as the invocation records it. */
export type TelemetryStopReason = 'cancel' | 'interrupt' | FerriteError;

/** What a run's telemetry is started from. */
export interface InvocationTelemetryConfig {
  appName: string;
  userId: string;
  sessionId: string;
  runConfig: ResolvedRunConfig;
  /** The context the invocation span nests under (incoming trace or the caller's). */
  parentContext: Context;
  logger: Logger;
}

const INVOCATION_SPAN = 'invocation';

/**
 * One run's spans, metrics and log lines: the `invocation` span (child of the caller's trace),
 * an `invoke_agent {agent}` span per agent the runner runs (children of it), the run duration
 * and active-run metrics, and the lifecycle lines (started, completed, failed, cancelled,
 * interrupted) carrying the invocation, session and trace ids. Not made at all when no tracer
 * provider, no meter provider and no logger are set.
 */
export class InvocationTelemetry {
  readonly #init: InvocationTelemetryConfig;
  readonly #tracer: Tracer | undefined;
  readonly #span: Span | undefined;
  readonly #spanContext: Context | undefined;
  readonly #instruments: RunInstruments | undefined;
  readonly #started = performance.now();
  #logger: Logger;
  #stop: TelemetryStopReason | undefined;
  #ended = false;

  private constructor(
    init: InvocationTelemetryConfig,
    tracer: Tracer | undefined,
    instruments: RunInstruments | undefined,
  ) {
    this.#init = init;
    this.#instruments = instruments;
    this.#logger = init.logger;
    if (tracer) {
      const span = tracer.startSpan(
        INVOCATION_SPAN,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [A.CONVERSATION_ID]: init.sessionId,
            [A.APP_NAME]: init.appName,
            [A.USER_ID]: init.userId,
          },
        },
        init.parentContext,
      );
      // A sampled-out run is traced no further: nothing below it would be recorded either.
      if (span.isRecording()) {
        this.#tracer = tracer;
        this.#span = span;
        this.#spanContext = trace.setSpan(init.parentContext, span);
      } else {
        span.end();
      }
    }
    instruments?.active.add(1, { [A.APP_NAME]: init.appName });
  }

  /** Starts a run's telemetry; undefined when there is nothing to record it to. */
  static start(init: InvocationTelemetryConfig): InvocationTelemetry | undefined {
    const tracer = init.runConfig.tracing?.disabled === true ? undefined : activeTracer();
    const instruments = runInstruments();
    if (!tracer && !instruments && init.logger === noopLogger) return undefined;
    return new InvocationTelemetry(init, tracer, instruments);
  }

  /** True when the run's spans are recorded. */
  get tracing(): boolean {
    return this.#span !== undefined;
  }

  /** The invocation's ids are known: attributes, the root trace parent, the "run started" line. */
  attach(context: InvocationContext): void {
    if (this.#span) {
      this.#span.setAttributes(invocationAttributes(context));
      setTraceParent(context, this.#spanContext);
    }
    if (this.#init.logger !== noopLogger) {
      const spanContext = trace.getSpanContext(this.#spanContext ?? this.#init.parentContext);
      this.#logger = childLogger(this.#init.logger, {
        invocationId: context.invocationId,
        sessionId: context.session.id,
        userId: context.userId,
        appName: context.appName,
        ...(spanContext ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : {}),
      });
      safeLog(this.#logger, 'info', 'run started', { agent: context.agent.name });
    }
  }

  /** The invocation was stopped (cancelled, interrupted, a guard or a lost lock). */
  halted(reason: TelemetryStopReason): void {
    this.#stop ??= reason;
  }

  /**
   * Runs one agent the runner runs (the selected one, or one transferred to) inside its
   * `invoke_agent` span, a child of the invocation span.
   */
  async traceAgent<T>(context: InvocationContext, run: () => Promise<T>): Promise<T> {
    const tracer = this.#tracer;
    if (!tracer || !this.#spanContext) return run();
    const span = tracer.startSpan(
      agentSpanName(context.agent.name),
      { kind: SpanKind.INTERNAL, attributes: agentSpanAttributes(context) },
      this.#spanContext,
    );
    setTraceParent(context, trace.setSpan(this.#spanContext, span));
    let result: T;
    try {
      result = await run();
    } catch (error) {
      this.#endStopped(span, error);
      throw error;
    }
    span.end();
    return result;
  }

  /** Notes a stored event on the span of the agent context that produced it. */
  event(context: InvocationContext, event: Event): void {
    const parent = traceParentOf(context) as Context | undefined;
    const span = parent && trace.getSpan(parent);
    span?.addEvent('ferrite.event', {
      [A.EVENT_ID]: event.id,
      'ferrite.event.author': event.author,
    });
  }

  /** The run settled: ends the invocation span, records the metrics, writes the last line. */
  end(stop: TelemetryStopReason | undefined, failed: boolean, failure: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    const error =
      typeof stop === 'object'
        ? stop
        : stop === undefined && failed
          ? toFerriteError(failure)
          : undefined;
    const outcome =
      stop === 'cancel'
        ? 'cancelled'
        : stop === 'interrupt'
          ? 'interrupted'
          : error
            ? 'failed'
            : 'completed';
    const span = this.#span;
    if (span) {
      span.setAttribute(A.OUTCOME, outcome);
      if (error) endSpanWithError(span, error);
      else if (stop === 'cancel') endSpanWithError(span, cancellation());
      else span.end();
    }
    const seconds = (performance.now() - this.#started) / 1000;
    const instruments = this.#instruments;
    if (instruments) {
      const attributes: Record<string, string> = {
        [A.APP_NAME]: this.#init.appName,
        [A.OUTCOME]: outcome,
      };
      if (error) attributes[A.ERROR_TYPE] = error.code;
      else if (stop === 'cancel') attributes[A.ERROR_TYPE] = 'cancelled';
      instruments.duration.record(seconds, attributes);
      instruments.active.add(-1, { [A.APP_NAME]: this.#init.appName });
    }
    if (this.#logger !== noopLogger) {
      const durationMs = Math.round(seconds * 1000);
      if (error) {
        safeLog(this.#logger, 'error', 'run failed', {
          durationMs,
          code: error.code,
          error: error.message,
        });
      } else {
        safeLog(this.#logger, 'info', `run ${outcome}`, { durationMs });
      }
    }
  }

  /** Ends an agent span whose run threw: a Halted run ends it with the reason it stopped. */
  #endStopped(span: Span, error: unknown): void {
    if (!(error instanceof Halted)) {
      endSpanWithError(span, error);
      return;
    }
    const stop = this.#stop;
    if (stop === 'interrupt') {
      span.setAttribute(A.OUTCOME, 'interrupted');
      span.end();
    } else if (stop === 'cancel' || stop === undefined) {
      span.setAttribute(A.OUTCOME, 'cancelled');
      endSpanWithError(span, cancellation());
    } else {
      span.setAttribute(A.OUTCOME, 'failed');
      endSpanWithError(span, stop);
    }
  }
}

function cancellation(): DOMException {
  return new DOMException('The run was cancelled', 'AbortError');
}

function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  try {
    return logger.child(fields);
  } catch {
    return noopLogger;
  }
}

/** Starts the telemetry of a run from what the Runner lends it and the run's request. */
export function startTelemetry(
  parts: Pick<RunnerParts, 'appName' | 'logger'>,
  request: Pick<RunRequest, 'userId' | 'sessionId' | 'runConfig' | 'parentContext'>,
): InvocationTelemetry | undefined {
  return InvocationTelemetry.start({
    appName: parts.appName,
    userId: request.userId,
    sessionId: request.sessionId,
    runConfig: request.runConfig,
    parentContext: request.parentContext,
    logger: parts.logger,
  });
}
