import { InvalidArgumentError, type Agent } from '@ferrite/core';

/** Sets `parentAgent` of each child to `parent`, refusing duplicates and children that belong elsewhere. */
export function attachSubAgents(
  parent: Agent,
  children: readonly Agent[] | undefined,
): readonly Agent[] {
  const list = Object.freeze([...(children ?? [])]);
  const names = new Set<string>();
  for (const child of list) {
    if (names.has(child.name)) {
      throw new InvalidArgumentError(
        `Agent '${parent.name}' has two sub-agents named '${child.name}'`,
      );
    }
    names.add(child.name);
    if (child.parentAgent && child.parentAgent !== parent) {
      throw new InvalidArgumentError(
        `Agent '${child.name}' is already a sub-agent of '${child.parentAgent.name}'; it cannot also belong to '${parent.name}'`,
      );
    }
    child.parentAgent = parent;
  }
  return list;
}
