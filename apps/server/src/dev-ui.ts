import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { SpanStore, findDevUi, type DevUiOptions } from '@ferrite/server';
import type { ServerConfig } from './config.js';

/** What the handler gets to serve the Dev UI. */
export interface DevUiSetup {
  devUi: DevUiOptions;
  spanStore: SpanStore;
  /** False when another tracer provider was registered first (its spans do not reach the store). */
  tracing: boolean;
}

/**
 * Finds the Dev UI's files (a missing UI is an InvalidArgumentError saying how to install it)
 * and registers a tracer provider whose processor is the span store the Traces tab reads.
 */
export async function setUpDevUi(config: ServerConfig): Promise<DevUiSetup | undefined> {
  if (!config.devUi) return undefined;
  const root = await findDevUi({ dir: config.devUi.dir });
  const spanStore = new SpanStore();
  const tracing = trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [spanStore] }),
  );
  return { devUi: { root }, spanStore, tracing };
}
