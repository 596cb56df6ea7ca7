import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError, isValidName, type Agent } from '@ferrite/core';

/** The agents to serve, by app name. */
export type AppAgents = ReadonlyMap<string, Agent>;

/** Whether a value has the shape of core's `Agent` (name, description, sub-agents, run). */
export function isAgent(value: unknown): value is Agent {
  const candidate = value as Partial<Agent> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.run === 'function' &&
    Array.isArray(candidate.subAgents)
  );
}

const TYPESCRIPT = /\.(?:ts|mts|cts|tsx)$/;

/**
 * Imports the user's module: TypeScript (`.ts`, `.mts`, `.cts`, `.tsx`) through tsx's ESM loader,
 * registered only then; JavaScript with a plain `import()`. A missing file or a module that
 * throws while loading is an InvalidArgumentError naming the module.
 */
export async function importModule(path: string, cwd: string): Promise<Record<string, unknown>> {
  const file = resolve(cwd, path);
  if (!existsSync(file))
    throw new InvalidArgumentError(`module ${path} does not exist (looked at ${file})`);
  if (TYPESCRIPT.test(file)) {
    const { register } = await import('tsx/esm/api');
    // Stays registered: the module may import more TypeScript later, lazily.
    register();
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidArgumentError(
      `module ${path} could not be loaded: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * The apps a module exports: an `apps` export or a default export mapping app names to agents,
 * else one agent (the default export or a named `agent`), served as `appName` (default: the
 * agent's name when it is a valid app name, else `app`).
 */
export function appsOf(
  exports: Record<string, unknown>,
  source: string,
  appName?: string,
): AppAgents {
  const map = exports.apps ?? (isAppMap(exports.default) ? exports.default : undefined);
  if (map !== undefined) return checkedMap(map, source, appName);
  const agent = isAgent(exports.default) ? exports.default : exports.agent;
  if (!isAgent(agent)) {
    throw new InvalidArgumentError(
      `${source} exports no agent: export default an Agent, export const agent = …, or export ` +
        `const apps = { appName: agent }`,
    );
  }
  return new Map([[appName ?? (isValidName(agent.name) ? agent.name : 'app'), agent]]);
}

function isAppMap(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isAgent(value) &&
    Object.values(value).length > 0 &&
    Object.values(value).every(isAgent)
  );
}

function checkedMap(map: unknown, source: string, only: string | undefined): AppAgents {
  if (typeof map !== 'object' || map === null || isAgent(map)) {
    throw new InvalidArgumentError(`${source}: apps must map app names to agents`);
  }
  const apps = new Map<string, Agent>();
  for (const [name, agent] of Object.entries(map)) {
    if (!isValidName(name)) {
      throw new InvalidArgumentError(
        `${source}: app name ${JSON.stringify(name)} is not 1-128 characters of [A-Za-z0-9._:-]`,
      );
    }
    if (!isAgent(agent)) throw new InvalidArgumentError(`${source}: apps.${name} is not an Agent`);
    apps.set(name, agent);
  }
  if (apps.size === 0) throw new InvalidArgumentError(`${source}: apps is empty`);
  if (only !== undefined) {
    const agent = apps.get(only);
    if (!agent) {
      throw new InvalidArgumentError(
        `${source} has no app ${JSON.stringify(only)} (it has ${[...apps.keys()].join(', ')})`,
      );
    }
    return new Map([[only, agent]]);
  }
  return apps;
}
