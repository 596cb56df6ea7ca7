import {
  LONG_RUNNING_CONTINUE_KEY,
  type EventInit,
  type FunctionCall,
  type InvocationContext,
  type LongRunningMode,
  type Tool,
} from '@ferrite/core';

/** What a long-running tool's call does to its turn: the tool's own setting, else the run's. */
function longRunningModeOf(tool: Tool, context: InvocationContext): LongRunningMode {
  return tool.longRunning ?? context.runConfig.longRunning ?? 'pause';
}

/**
 * Records on the model's call event which long-running calls let the turn go on, so their
 * requests read as such from the stored events alone.
 */
export function markContinuingCalls(
  answer: EventInit,
  context: InvocationContext,
  calls: readonly FunctionCall[],
  tools: ReadonlyMap<string, Tool>,
): void {
  const ids: string[] = [];
  for (const call of calls) {
    const tool = tools.get(call.name);
    if (tool?.isLongRunning && longRunningModeOf(tool, context) === 'continue') ids.push(call.id);
  }
  if (ids.length === 0) return;
  answer.customMetadata = { ...answer.customMetadata, [LONG_RUNNING_CONTINUE_KEY]: ids };
}

/** True when one of the calls is of a long-running tool that pauses the invocation. */
export function pausesOnLongRunning(
  context: InvocationContext,
  calls: readonly FunctionCall[],
  tools: ReadonlyMap<string, Tool>,
): boolean {
  return calls.some((call) => {
    const tool = tools.get(call.name);
    return tool?.isLongRunning === true && longRunningModeOf(tool, context) === 'pause';
  });
}
