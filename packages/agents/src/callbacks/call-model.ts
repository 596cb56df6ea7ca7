import {
  ShapeKeeper,
  callPluginHook,
  isAborted,
  type InvocationContext,
  type Model,
  type ModelRequest,
  type ModelResponse,
  type Plugin,
} from '@ferrite/core';
import { AgentCallbackContext } from './agent-callback-context.js';
import { isAnswer, type CallbackLists } from './callbacks.js';

/**
 * One model call wrapped in the plugins' and the agent's model hooks (plugins first; the first
 * value returned wins and the rest are skipped, as in Google ADK):
 * - `beforeModel`: a returned response is yielded as the complete answer, the model is not
 *   called and the call is not counted against `maxTurns`;
 * - `onModelError`: when the model throws, a returned response is yielded instead, otherwise
 *   the error goes on;
 * - `afterModel`: a returned response replaces the complete answer.
 * Partial responses pass through untouched. A plugin that throws fails the run with PluginError.
 */
export function callModel(
  context: InvocationContext,
  model: Model,
  request: ModelRequest,
  callbacks: CallbackLists,
  stream: boolean,
): AsyncIterable<ModelResponse> {
  const plugins = context.plugins ?? [];
  if (
    hasHook(plugins, 'beforeModel', callbacks.beforeModel) ||
    hasHook(plugins, 'afterModel', callbacks.afterModel) ||
    hasHook(plugins, 'onModelError', callbacks.onModelError)
  ) {
    return callWithHooks(context, model, request, callbacks, stream);
  }
  // No hook to run: the model's own stream, with nothing in between.
  context.countModelCall();
  return model.generate(request, new ModelCallOptions(context, stream));
}

const modelCallOptionsShape = new ShapeKeeper<ModelCallOptions>();

/**
 * The options of one model call. The run's signal is read when the model asks for it: most
 * scripted and cached models never do, and an AbortSignal is costly to make on Node 20. (A
 * class: an object literal with a getter costs a new accessor per call.)
 */
class ModelCallOptions {
  readonly stream: boolean;
  readonly #context: InvocationContext;

  constructor(context: InvocationContext, stream: boolean) {
    this.#context = context;
    this.stream = stream;
    modelCallOptionsShape.keep(this);
  }

  get signal(): AbortSignal {
    return this.#context.signal;
  }
}

async function* callWithHooks(
  context: InvocationContext,
  model: Model,
  request: ModelRequest,
  callbacks: CallbackLists,
  stream: boolean,
): AsyncGenerator<ModelResponse> {
  const plugins = context.plugins ?? [];
  const options = new ModelCallOptions(context, stream);
  const callbackContext = new AgentCallbackContext(context);
  const skipped = await firstAnswer(
    plugins,
    'beforeModel',
    (plugin) => plugin.beforeModel?.(callbackContext, request),
    callbacks.beforeModel,
    (callback) => callback(callbackContext, request),
  );
  if (skipped) {
    yield complete(skipped);
    return;
  }
  context.countModelCall();
  let final: ModelResponse | undefined;
  try {
    for await (const response of model.generate(request, options)) {
      if (response.partial) yield response;
      else final = response;
    }
  } catch (error) {
    if (isAborted(context)) throw error;
    const replacement = await firstAnswer(
      plugins,
      'onModelError',
      (plugin) => plugin.onModelError?.(callbackContext, request, error),
      callbacks.onModelError,
      (callback) => callback(callbackContext, request, error),
    );
    if (!replacement) throw error;
    final = replacement;
  }
  if (!final) return;
  const answered = final;
  const replaced = await firstAnswer(
    plugins,
    'afterModel',
    (plugin) => plugin.afterModel?.(callbackContext, answered),
    callbacks.afterModel,
    (callback) => callback(callbackContext, answered),
  );
  // The model's own complete response goes on as it is; a callback's is marked complete.
  yield replaced === undefined ? final : complete(replaced);
}

/** True when a plugin or one of the agent's callbacks implements `hook`. */
function hasHook(
  plugins: readonly Plugin[],
  hook: 'beforeModel' | 'afterModel' | 'onModelError',
  callbacks: readonly unknown[],
): boolean {
  if (callbacks.length > 0) return true;
  for (const plugin of plugins) if (typeof plugin[hook] === 'function') return true;
  return false;
}

/**
 * A copy of the response marked complete (`partial: false`). Copied onto a fresh object rather
 * than spread and extended: on Node 20 a field added after a spread costs a new hidden class.
 */
function complete(response: ModelResponse): ModelResponse {
  const copy: ModelResponse = Object.assign({}, response);
  copy.partial = false;
  return copy;
}

/**
 * The first value the plugins' `hook`, then the agent's callbacks, return (undefined when none
 * does). Used by the model and tool wrappers alike.
 */
export async function firstAnswer<TValue, TCallback>(
  plugins: readonly Plugin[],
  hook: Exclude<keyof Plugin, 'name'>,
  callPlugin: (plugin: Plugin) => TValue | undefined | void | Promise<TValue | undefined | void>,
  callbacks: readonly TCallback[],
  callCallback: (
    callback: TCallback,
  ) => TValue | undefined | void | Promise<TValue | undefined | void>,
): Promise<TValue | undefined> {
  for (const plugin of plugins) {
    if (typeof plugin[hook] !== 'function') continue;
    const value = await callPluginHook(plugin, hook, () => callPlugin(plugin));
    if (isAnswer(value)) return value;
  }
  for (const callback of callbacks) {
    const value = await callCallback(callback);
    if (isAnswer(value)) return value;
  }
  return undefined;
}
