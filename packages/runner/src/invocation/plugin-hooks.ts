import { callPluginHook, type Content, type Plugin } from '@ferrite/core';
import type { RunInvocationContext } from '../context/run-invocation-context.js';
import type { HaltControl } from './halt-control.js';

function isContent(value: unknown): value is Content {
  return typeof value === 'object' && value !== null && Array.isArray((value as Content).parts);
}

/** `beforeRun` of each plugin in order; the first Content returned ends the run early. */
export function runBeforeRun(
  control: HaltControl,
  plugins: readonly Plugin[],
  context: RunInvocationContext,
): Promise<Content | undefined> | undefined {
  // Without plugins no async frame is made: `await undefined` is all the caller pays.
  return plugins.length === 0 ? undefined : beforeRunEach(control, plugins, context);
}

async function beforeRunEach(
  control: HaltControl,
  plugins: readonly Plugin[],
  context: RunInvocationContext,
): Promise<Content | undefined> {
  for (const plugin of plugins) {
    if (!plugin.beforeRun) continue;
    const result = await control.guard(
      callPluginHook(plugin, 'beforeRun', () => plugin.beforeRun!(context)),
    );
    if (isContent(result)) return result;
  }
  return undefined;
}

/** `onUserMessage` of each plugin in order, each seeing the previous one's replacement. */
export function runOnUserMessage(
  control: HaltControl,
  plugins: readonly Plugin[],
  context: RunInvocationContext,
  message: Content,
): Content | Promise<Content> {
  return plugins.length === 0 ? message : onUserMessageEach(control, plugins, context, message);
}

async function onUserMessageEach(
  control: HaltControl,
  plugins: readonly Plugin[],
  context: RunInvocationContext,
  message: Content,
): Promise<Content> {
  let current = message;
  for (const plugin of plugins) {
    if (!plugin.onUserMessage) continue;
    const replaced = await control.guard(
      callPluginHook(plugin, 'onUserMessage', () => plugin.onUserMessage!(context, current)),
    );
    if (isContent(replaced)) current = replaced;
  }
  return current;
}

/** `afterRun` of each plugin in order. */
export function runAfterRun(
  control: HaltControl,
  plugins: readonly Plugin[],
  context: RunInvocationContext,
): Promise<void> | undefined {
  return plugins.length === 0 ? undefined : afterRunEach(control, plugins, context);
}

async function afterRunEach(
  control: HaltControl,
  plugins: readonly Plugin[],
  context: RunInvocationContext,
): Promise<void> {
  for (const plugin of plugins) {
    if (plugin.afterRun)
      await control.guard(callPluginHook(plugin, 'afterRun', () => plugin.afterRun!(context)));
  }
}
