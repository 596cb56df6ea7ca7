import {
  InvalidArgumentError,
  type Content,
  type GenerateConfig,
  type InvocationContext,
  type Model,
} from '@ferrite/core';

/** The model of this run: `RunConfig.model` when set, else the agent's own. */
export function modelOf(context: InvocationContext, own: Model): Model {
  return context.runConfig.model ?? own;
}

/**
 * The agent's generation settings with `RunConfig.modelSettings` over them, per key (an
 * `undefined` value overrides nothing; `extra` is merged per key as well).
 */
export function settingsOf(
  context: InvocationContext,
  own: GenerateConfig | undefined,
): GenerateConfig | undefined {
  const run = context.runConfig.modelSettings;
  if (!run) return own;
  const merged: Record<string, unknown> = { ...own };
  for (const [key, value] of Object.entries(run)) if (value !== undefined) merged[key] = value;
  if (own?.extra && run.extra) merged.extra = { ...own.extra, ...run.extra };
  return merged;
}

/** The agent that transferred to `agentName` in this invocation, if one did. */
function transferredFrom(context: InvocationContext, agentName: string): string | undefined {
  const events = context.session.events;
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    if (event.invocationId !== context.invocationId) return undefined;
    if (event.actions?.transferToAgent === agentName) return event.author;
  }
  return undefined;
}

/**
 * The history an agent sends its model, passed through `RunConfig.transferInputFilter` when the
 * agent was transferred to in this invocation (for every model call it makes in it).
 */
export function historyAfterTransfer(
  context: InvocationContext,
  agentName: string,
  history: Content[],
): Content[] {
  const filter = context.runConfig.transferInputFilter;
  if (!filter) return history;
  const fromAgent = transferredFrom(context, agentName);
  if (fromAgent === undefined) return history;
  const filtered: unknown = filter({
    fromAgent,
    toAgent: agentName,
    history: Object.freeze([...history]),
    userContent: context.userContent,
  });
  if (!Array.isArray(filtered)) {
    throw new InvalidArgumentError('runConfig.transferInputFilter must return an array of Content');
  }
  return [...(filtered as Content[])];
}
