import {
  createNoopMeter,
  metrics,
  type Histogram,
  type MeterProvider,
  type UpDownCounter,
} from '@opentelemetry/api';
import { TELEMETRY_SCOPE, TelemetryMetrics } from '@ferrite/core';

/** The runner's instruments on the registered meter provider. */
export interface RunInstruments {
  readonly duration: Histogram;
  readonly active: UpDownCounter;
}

// The no-op meter hands out one shared instrument per kind, so an identity check tells that no
// meter provider is registered without calling into it on every run.
const NOOP_HISTOGRAM = createNoopMeter().createHistogram('noop');

let cachedProvider: MeterProvider | undefined;
let cached: RunInstruments | undefined;

/**
 * The runner's instruments, made once per registered meter provider; undefined while none is
 * registered, so a run records nothing then.
 */
export function runInstruments(): RunInstruments | undefined {
  const provider = metrics.getMeterProvider();
  if (provider !== cachedProvider) {
    cachedProvider = provider;
    const meter = provider.getMeter(TELEMETRY_SCOPE);
    const duration = meter.createHistogram(TelemetryMetrics.RUN_DURATION, {
      description: 'Duration of a run, from the start of its agent to its end',
      unit: 's',
    });
    cached =
      duration === NOOP_HISTOGRAM
        ? undefined
        : {
            duration,
            active: meter.createUpDownCounter(TelemetryMetrics.ACTIVE_RUNS, {
              description: 'Runs executing now',
              unit: '{run}',
            }),
          };
  }
  return cached;
}
