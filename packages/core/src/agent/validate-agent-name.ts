import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

const AGENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** The name user events carry as their author; no agent may take it. */
const RESERVED = 'user';

/**
 * Checks an agent name: 1–128 letters, digits, `_` and `-`, starting with a letter or `_`, and
 * not `user` (the author of user messages). Dots are excluded because branch paths join agent
 * names with them, so `a.b` would make a parallel branch ambiguous. Every agent (LLM, workflow,
 * target) checks its name with this rule, and so does the runner's agent tree. Returns the
 * name; throws {@link InvalidArgumentError} otherwise.
 *
 * @example
 * ```ts
 * validateAgentName('billing_agent'); // 'billing_agent'
 * validateAgentName('a.b'); // throws InvalidArgumentError
 * ```
 */
export function validateAgentName(name: unknown): string {
  if (typeof name !== 'string' || !AGENT_NAME.test(name) || name === RESERVED) {
    throw new InvalidArgumentError(
      `Invalid agent name ${describe(name)}: use 1-128 letters, digits, '_' or '-', starting with a letter or '_', and not 'user'`,
    );
  }
  return name;
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
