import {
  createNoopMeter,
  metrics,
  type Counter,
  type Histogram,
  type MeterProvider,
} from '@opentelemetry/api';
import { TELEMETRY_SCOPE, TelemetryMetrics } from '@ferrite/core';

/** The agents' instruments on the registered meter provider. */
export interface AgentInstruments {
  readonly operationDuration: Histogram;
  readonly tokenUsage: Histogram;
  readonly toolErrors: Counter;
}

// The no-op meter hands out one shared histogram, so an identity check tells that no meter
// provider is registered without recording into it on every call.
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop');

let cachedProvider: MeterProvider | undefined;
let cached: AgentInstruments | undefined;

/**
 * The model-call and tool instruments, made once per registered meter provider; undefined while
 * none is registered.
 */
export function agentInstruments(): AgentInstruments | undefined {
  const provider = metrics.getMeterProvider();
  if (provider !== cachedProvider) {
    cachedProvider = provider;
    const meter = provider.getMeter(TELEMETRY_SCOPE);
    const operationDuration = meter.createHistogram(TelemetryMetrics.OPERATION_DURATION, {
      description: 'Duration of a model call',
      unit: 's',
    });
    cached =
      operationDuration === NOOP_HISTOGRAM
        ? undefined
        : {
            operationDuration,
            tokenUsage: meter.createHistogram(TelemetryMetrics.TOKEN_USAGE, {
              description: 'Tokens used by a model call, by gen_ai.token.type',
              unit: '{token}',
            }),
            toolErrors: meter.createCounter(TelemetryMetrics.TOOL_ERRORS, {
              description: 'Tool calls that failed',
              unit: '{call}',
            }),
          };
  }
  return cached;
}
