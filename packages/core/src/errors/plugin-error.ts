import { FerriteError, type FerriteErrorOptions } from './ferrite-error.js';

/** A plugin's hook threw or rejected (`plugin.error`); names the plugin and the hook. */
export class PluginError extends FerriteError {
  static override readonly code = 'plugin.error';
  /** Name of the plugin whose hook failed. */
  readonly pluginName: string;
  /** The hook that failed (`beforeRun`, `onEvent`, `beforeModel`, …). */
  readonly hook: string;
  constructor(pluginName: string, hook: string, options: FerriteErrorOptions = {}) {
    const cause = options.cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`Plugin '${pluginName}' failed in ${hook}: ${detail}`, options);
    this.pluginName = pluginName;
    this.hook = hook;
  }
}

/**
 * Calls one plugin hook and types its failure: a Ferrite error the hook threw on purpose passes
 * through unchanged, anything else becomes a {@link PluginError} naming the plugin and the hook.
 */
export async function callPluginHook<TResult>(
  plugin: { readonly name: string },
  hook: string,
  call: () => TResult | PromiseLike<TResult>,
): Promise<TResult> {
  try {
    return await call();
  } catch (error) {
    if (FerriteError.isInstance(error)) throw error;
    throw new PluginError(plugin.name, hook, { cause: error });
  }
}
