import type {
  CallbackContext,
  ModelRequest,
  ModelResponse,
  Tool,
  ToolContext,
} from '@ferrite/core';

type MaybePromise<T> = T | Promise<T>;

/** One callback, or a list run in order until one returns a value. */
export type CallbackList<TCallback> = TCallback | readonly TCallback[];

/** Before the model is called; a returned response is used instead of calling it. */
export type BeforeModelCallback = (
  context: CallbackContext,
  request: ModelRequest,
) => MaybePromise<ModelResponse | undefined | void>;
/** After the model's complete answer; a returned response replaces it. */
export type AfterModelCallback = (
  context: CallbackContext,
  response: ModelResponse,
) => MaybePromise<ModelResponse | undefined | void>;
/** When the model call fails; a returned response replaces the error. */
export type OnModelErrorCallback = (
  context: CallbackContext,
  request: ModelRequest,
  error: unknown,
) => MaybePromise<ModelResponse | undefined | void>;
/** Before a tool runs (arguments checked); a returned object is the result and the tool is skipped. */
export type BeforeToolCallback = (
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
) => MaybePromise<Record<string, unknown> | undefined | void>;
/** After a tool's result; a returned object replaces it. */
export type AfterToolCallback = (
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  result: Record<string, unknown>,
) => MaybePromise<Record<string, unknown> | undefined | void>;
/** When a tool throws; a returned object is the result instead of the error. */
export type OnToolErrorCallback = (
  tool: Tool,
  args: Record<string, unknown>,
  context: ToolContext,
  error: unknown,
) => MaybePromise<Record<string, unknown> | undefined | void>;

/** The callbacks of an LlmAgent around its model and its tools. */
export interface AgentCallbacks {
  beforeModelCallback?: CallbackList<BeforeModelCallback>;
  afterModelCallback?: CallbackList<AfterModelCallback>;
  onModelErrorCallback?: CallbackList<OnModelErrorCallback>;
  beforeToolCallback?: CallbackList<BeforeToolCallback>;
  afterToolCallback?: CallbackList<AfterToolCallback>;
  onToolErrorCallback?: CallbackList<OnToolErrorCallback>;
}

/** The callbacks normalised to frozen lists. */
export interface CallbackLists {
  readonly beforeModel: readonly BeforeModelCallback[];
  readonly afterModel: readonly AfterModelCallback[];
  readonly onModelError: readonly OnModelErrorCallback[];
  readonly beforeTool: readonly BeforeToolCallback[];
  readonly afterTool: readonly AfterToolCallback[];
  readonly onToolError: readonly OnToolErrorCallback[];
}

const KEYS = {
  beforeModel: 'beforeModelCallback',
  afterModel: 'afterModelCallback',
  onModelError: 'onModelErrorCallback',
  beforeTool: 'beforeToolCallback',
  afterTool: 'afterToolCallback',
  onToolError: 'onToolErrorCallback',
} as const;

/** Checks and normalises an agent's callbacks; throws `onInvalid(key)` for a value that is not a function. */
export function callbackListsOf(
  config: AgentCallbacks,
  onInvalid: (key: string) => Error,
): CallbackLists {
  const lists: Record<string, readonly unknown[]> = {};
  for (const [name, key] of Object.entries(KEYS)) {
    const value: unknown = config[key];
    const list: unknown[] = value === undefined ? [] : Array.isArray(value) ? [...(value as unknown[])] : [value];
    if (list.some((entry) => typeof entry !== 'function')) throw onInvalid(key);
    lists[name] = Object.freeze(list);
  }
  return Object.freeze(lists) as unknown as CallbackLists;
}

/** True when `value` counts as a callback's answer (anything but undefined and null). */
export function isAnswer<TValue>(value: TValue | undefined | null | void): value is TValue {
  return value !== undefined && value !== null;
}

/** The callback lists of an agent that has them (an LlmAgent), else undefined. */
export function callbackListsOfAgent(agent: object): CallbackLists | undefined {
  return (agent as { callbackLists?: CallbackLists }).callbackLists;
}
