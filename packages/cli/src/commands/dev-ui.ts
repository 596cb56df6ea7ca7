import { InvalidArgumentError } from '@ferrite/core';
import { traceInto } from '@ferrite/launcher';
import { SpanStore, findDevUi, type DevUiOptions } from '@ferrite/server';
import { StartupCheckError } from '../backends/open-backends.js';
import type { CliSettings } from '../config/read-settings.js';

/** What the handler gets to serve the Dev UI. */
export interface DevUiSetup {
  readonly devUi: DevUiOptions;
  readonly spanStore: SpanStore;
  /** False when a tracer provider was registered before: its spans do not reach the store. */
  readonly tracing: boolean;
}

/**
 * With `--dev-ui` or `--dev-ui-dir`: finds the Dev UI's files (the folder given, else an
 * installed `@google/adk-devtools`) and registers a tracer provider whose processor is the span
 * store the Traces tab reads, as the launcher's `web` does. A UI that cannot be found is a
 * {@link StartupCheckError} naming the setting and saying how to install it.
 */
export async function setUpDevUi(settings: CliSettings): Promise<DevUiSetup | undefined> {
  if (settings.devUi === undefined) return undefined;
  let root: string;
  try {
    root = await findDevUi({ dir: settings.devUi.dir });
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    const key = settings.devUi.dir === undefined ? 'devUi' : 'devUiDir';
    throw new StartupCheckError(error.message, settings.sourceOf(key), { cause: error });
  }
  const spanStore = new SpanStore();
  return { devUi: { root }, spanStore, tracing: traceInto(spanStore) };
}
