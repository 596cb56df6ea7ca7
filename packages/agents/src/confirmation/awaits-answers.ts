import type { ToolCallsOutcome } from '../llm/tool-calls.js';

/**
 * True when calls of the turn have no response yet: they wait for the person's confirmation or
 * for a request an agent they ran left pending. The invocation pauses after the turn's other
 * responses (an empty response event is not stored).
 */
export function awaitsAnswers(outcome: ToolCallsOutcome): boolean {
  return outcome.confirmations.length > 0 || outcome.pausedNested;
}
