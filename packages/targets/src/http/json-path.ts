import { InvalidArgumentError } from '@ferrite/core';

/** A parsed dot path such as `choices[0].message.content`: keys and array indexes. */
export type JsonPath = readonly (string | number)[];

const SEGMENT = /([^.[\]]+)|\[(\d+)\]|(\.)/gy;

/** Parses a dot path with array indexes; `where` names the setting in errors. */
export function parseJsonPath(path: string, where: string): JsonPath {
  const segments: (string | number)[] = [];
  SEGMENT.lastIndex = 0;
  let expectKey = true;
  while (SEGMENT.lastIndex < path.length) {
    const start = SEGMENT.lastIndex;
    const match = SEGMENT.exec(path);
    if (!match) throw invalid(path, where, start);
    if (match[1] !== undefined) {
      if (!expectKey) throw invalid(path, where, start);
      segments.push(match[1]);
      expectKey = false;
    } else if (match[2] !== undefined) {
      if (expectKey && segments.length > 0) throw invalid(path, where, start);
      segments.push(Number(match[2]));
      expectKey = false;
    } else {
      if (expectKey) throw invalid(path, where, start);
      expectKey = true;
    }
  }
  if (segments.length === 0 || expectKey) throw invalid(path, where, path.length);
  return Object.freeze(segments);
}

/**
 * The value at `path` inside `value`, or undefined when any step is missing. Only own
 * properties count, so a path such as `constructor` finds nothing rather than a function.
 */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (typeof segment === 'number' && !Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function invalid(path: string, where: string, at: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `${where} ${JSON.stringify(path)} is not a valid path (like "choices[0].message.content"), at character ${at + 1}`,
  );
}
