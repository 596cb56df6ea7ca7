import { textOf, type Agent, type MemoryEntry } from '@ferrite/core';

/** Joins the agent's instruction, the transfer guidance and the preloaded memories; undefined when all are empty. */
export function systemInstructionOf(
  instruction: string,
  targets: readonly Agent[],
  parent: Agent | undefined,
  memories: readonly MemoryEntry[],
): string | undefined {
  // The common agent: its instruction alone, handed on as it is.
  if (targets.length === 0 && memories.length === 0) {
    return instruction.trim() ? instruction : undefined;
  }
  const sections: string[] = [];
  if (instruction.trim()) sections.push(instruction);
  if (targets.length > 0) sections.push(transferSection(targets, parent));
  if (memories.length > 0) sections.push(memorySection(memories));
  return sections.length > 0 ? sections.join('\n\n') : undefined;
}

function transferSection(targets: readonly Agent[], parent: Agent | undefined): string {
  const lines = targets.map((agent) => {
    const role = agent === parent ? ' (the agent that handed the conversation to you)' : '';
    return `- ${agent.name}${role}: ${agent.description || 'no description'}`;
  });
  return [
    'You can hand the conversation to another agent with the `transfer_to_agent` tool. Agents you can transfer to:',
    ...lines,
    "If you are the best agent to answer, answer yourself. Otherwise call `transfer_to_agent` with the best agent's name and say nothing else.",
  ].join('\n');
}

function memorySection(memories: readonly MemoryEntry[]): string {
  const lines = memories.map((memory) => {
    const when =
      memory.timestamp === undefined ? '' : `[${new Date(memory.timestamp).toISOString()}] `;
    return `${when}${memory.author ?? 'unknown'}: ${textOf(memory.content)}`;
  });
  return [
    'The following is from earlier conversations with the user; use it when it helps with the current request.',
    '<PAST_CONVERSATIONS>',
    ...lines,
    '</PAST_CONVERSATIONS>',
  ].join('\n');
}
