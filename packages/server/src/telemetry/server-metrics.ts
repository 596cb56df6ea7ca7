import {
  createNoopMeter,
  metrics,
  type MeterProvider,
  type UpDownCounter,
} from '@opentelemetry/api';
import { TELEMETRY_SCOPE, TelemetryMetrics } from '@ferrite/core';

// The no-op meter hands out one shared up-down counter, so an identity check tells that no meter
// provider is registered.
const NOOP_COUNTER = createNoopMeter().createUpDownCounter('noop');

let cachedProvider: MeterProvider | undefined;
let cached: UpDownCounter | undefined;

/** The SSE clients counter on the registered meter provider; undefined while none is registered. */
export function sseClientsCounter(): UpDownCounter | undefined {
  const provider = metrics.getMeterProvider();
  if (provider !== cachedProvider) {
    cachedProvider = provider;
    const counter = provider
      .getMeter(TELEMETRY_SCOPE)
      .createUpDownCounter(TelemetryMetrics.SSE_CLIENTS, {
        description: 'Clients connected to run event streams',
        unit: '{client}',
      });
    cached = counter === NOOP_COUNTER ? undefined : counter;
  }
  return cached;
}
