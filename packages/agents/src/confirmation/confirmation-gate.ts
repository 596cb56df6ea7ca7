import type { Tool } from '@ferrite/core';
import type { CallToolContext } from '../llm/call-tool-context.js';

/** What a call becomes when it waits for the person: no response is stored for it yet. */
export const AWAITING_CONFIRMATION: unique symbol = Symbol('awaiting confirmation');

/**
 * What a call becomes when an agent it ran (an agent used as a tool) left a request pending: no
 * response is stored yet; the answer runs the call again, which resumes that agent.
 */
export const AWAITING_NESTED: unique symbol = Symbol('awaiting a nested request');

/** The hint shown when a tool requires confirmation and says nothing more. */
function defaultHint(toolName: string): string {
  return `Please approve or reject the call of tool '${toolName}'.`;
}

/**
 * Decides whether a call runs now: `'run'` (no confirmation needed, or confirmed), `'ask'` (it
 * requires one and has none: the request is recorded on the tool context) or `'rejected'` (the
 * person refused a call the tool requires a confirmation for).
 */
export async function confirmationGate(
  tool: Tool,
  args: Record<string, unknown>,
  context: CallToolContext,
): Promise<'run' | 'ask' | 'rejected'> {
  const rule = tool.requireConfirmation;
  if (rule === undefined || rule === false) return 'run';
  const required = rule === true ? true : await rule(args, context);
  if (!required) return 'run';
  const answer = context.toolConfirmation;
  if (!answer) {
    context.requestConfirmation({ hint: defaultHint(tool.name) });
    return 'ask';
  }
  return answer.confirmed ? 'run' : 'rejected';
}
