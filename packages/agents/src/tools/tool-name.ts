import { InvalidArgumentError } from '@ferrite/core';

const TOOL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** Checks a tool name against what every provider accepts: 1–64 letters, digits, `_`, `.` or `-`. */
export function validateToolName(name: unknown): string {
  if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
    throw new InvalidArgumentError(
      `Invalid tool name ${JSON.stringify(name)}: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or '_'`,
    );
  }
  return name;
}
