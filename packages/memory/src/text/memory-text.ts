import { textOf, type Event } from '@ferrite/core';

/**
 * The text an event contributes to memory (its non-thought text parts), or undefined when it
 * has none, in which case the event is not remembered.
 */
export function memoryTextOf(event: Event): string | undefined {
  const text = textOf(event.content);
  return text.trim().length > 0 ? text : undefined;
}
