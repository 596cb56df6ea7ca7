import { OutputValidationError, textOf, type Content } from '@ferrite/core';
import { StructuredOutput } from './output-schema.js';

/** What to do with a final answer checked against the output schema. */
export type StructuredVerdict<TOutput> =
  { kind: 'valid'; value: TOutput } | { kind: 'retry'; corrections: Content[] };

/**
 * Checks a final answer: valid gives the parsed value; invalid with retries left gives the
 * contents to add to the next request (the answer and the check's message as a user turn);
 * invalid without retries throws OutputValidationError.
 */
export function checkStructuredAnswer<TOutput>(
  structured: StructuredOutput<TOutput>,
  agentName: string,
  content: Content | undefined,
  retriesLeft: number,
): StructuredVerdict<TOutput> {
  const text = content ? textOf(content) : '';
  const check = structured.check(text);
  if (check.ok) return { kind: 'valid', value: check.value };
  if (retriesLeft > 0) {
    return {
      kind: 'retry',
      corrections: [
        { role: 'model', parts: [{ text }] },
        { role: 'user', parts: [{ text: StructuredOutput.correction(check.message) }] },
      ],
    };
  }
  throw new OutputValidationError(
    agentName,
    `The answer of agent '${agentName}' does not match its output schema: ${check.message}`,
    { output: text, issues: check.message },
  );
}
