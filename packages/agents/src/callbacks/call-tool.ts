import type { Plugin, Tool, ToolContext } from '@ferrite/core';
import type { CallbackLists } from './callbacks.js';
import { firstAnswer } from './call-model.js';

/**
 * One tool call wrapped in the plugins' and the agent's tool hooks (plugins first; the first
 * value returned wins), as Google ADK runs them: `beforeTool` may answer instead of the tool;
 * `onToolError` may answer instead of a thrown error (otherwise it is rethrown and handled as
 * before: `{ error }` to the model, or the run fails); `afterTool` sees the result, whether the
 * tool or a `beforeTool` gave it, and may replace it. Without hooks the tool's value is returned
 * as it is.
 */
export function callTool(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  callbacks: CallbackLists | undefined,
  plugins: readonly Plugin[],
): Promise<unknown> {
  const lists = callbacks ?? NO_CALLBACKS;
  if (
    plugins.length === 0 &&
    lists.beforeTool.length + lists.afterTool.length + lists.onToolError.length === 0
  ) {
    // The tool's own promise, without an async frame that would wait for it once more.
    try {
      return Promise.resolve(tool.execute(args, context));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the original error, unchanged
      return Promise.reject(error);
    }
  }
  return callWithHooks(tool, args, context, lists, plugins);
}

async function callWithHooks(
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  lists: CallbackLists,
  plugins: readonly Plugin[],
): Promise<unknown> {
  let result = await firstAnswer(
    plugins,
    'beforeTool',
    (plugin) => plugin.beforeTool?.(tool, args, context),
    lists.beforeTool,
    (callback) => callback(tool, args, context),
  );
  if (result === undefined) {
    try {
      result = asResult(await tool.execute(args, context));
    } catch (error) {
      if (context.signal.aborted) throw error;
      const replacement = await firstAnswer(
        plugins,
        'onToolError',
        (plugin) => plugin.onToolError?.(tool, args, context, error),
        lists.onToolError,
        (callback) => callback(tool, args, context, error),
      );
      if (replacement === undefined) throw error;
      result = replacement;
    }
  }
  const current = result;
  const replaced = await firstAnswer(
    plugins,
    'afterTool',
    (plugin) => plugin.afterTool?.(tool, args, context, current),
    lists.afterTool,
    (callback) => callback(tool, args, context, current),
  );
  return replaced ?? current;
}

/** What the hooks see of a tool's value: objects as they are, anything else as `{ result }`. */
function asResult(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { result: value ?? null };
}

const NO_CALLBACKS: CallbackLists = Object.freeze({
  beforeModel: [],
  afterModel: [],
  onModelError: [],
  beforeTool: [],
  afterTool: [],
  onToolError: [],
});
