import type { Agent } from '../agent/agent.js';
import type { InvocationContext } from '../agent/invocation-context.js';
import type { Content } from '../types/content.js';

/** A guardrail's verdict: `tripwireTriggered` ends the run with a typed error carrying `outputInfo`. */
export interface GuardrailResult {
  tripwireTriggered: boolean;
  /** Anything the guardrail wants to report (a reason, scores); exposed on the error. */
  outputInfo?: unknown;
}

/** What an input guardrail checks. */
export interface InputGuardrailArgs {
  /** The user's message (after the plugins' `onUserMessage`). */
  input: Content;
  /** The agent that answers the message. */
  agent: Agent;
  context: InvocationContext;
}

/**
 * A check of the user's message. It runs before the agent (`runInParallel: false`) or alongside
 * it (the default): a trip then stops the agent.
 */
export interface InputGuardrail {
  /** Names the guardrail in errors. */
  readonly name: string;
  /** Run while the agent already works (default true); false makes the agent wait for it. */
  readonly runInParallel?: boolean;
  execute(args: InputGuardrailArgs): GuardrailResult | Promise<GuardrailResult>;
}

/** What an output guardrail checks. */
export interface OutputGuardrailArgs {
  /** The text of the run's final answer. */
  output: string;
  /** The final answer's content. */
  content: Content;
  /** The agent that gave the final answer. */
  agent: Agent;
  context: InvocationContext;
}

/** A check of the run's final answer, after the agents are done. */
export interface OutputGuardrail {
  /** Names the guardrail in errors. */
  readonly name: string;
  execute(args: OutputGuardrailArgs): GuardrailResult | Promise<GuardrailResult>;
}
