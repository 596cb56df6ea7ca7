import { InvalidArgumentError } from '@ferrite/core';

const AGENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/**
 * Checks an agent name: 1–128 characters, letters, digits, `_` and `-`, not starting with a
 * digit or `-`, and not `user` (the author of user messages). Dots are excluded because
 * branch paths join names with them.
 */
export function validateAgentName(name: unknown): string {
  if (typeof name !== 'string' || !AGENT_NAME.test(name) || name === 'user') {
    throw new InvalidArgumentError(
      `Invalid agent name ${JSON.stringify(name)}: use 1-128 letters, digits, '_' or '-', starting with a letter or '_', and not 'user'`,
    );
  }
  return name;
}
