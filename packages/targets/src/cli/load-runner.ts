import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@ferrite/core';
import type { BatchRunner } from '../batch/batch-types.js';

/**
 * Loads the runner a batch uses from a module: its default export, or an export named
 * `runner`, being a runner or a (possibly async) function returning one. A TypeScript module
 * is loaded through `tsx` when Node cannot load it by itself.
 */
export async function loadRunner(path: string, cwd = process.cwd()): Promise<BatchRunner> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new InvalidArgumentError(`--runner ${path} does not exist`);
  const module = await importModule(pathToFileURL(file).href, path);
  const exported = module.default ?? module.runner;
  if (exported === undefined) {
    throw new InvalidArgumentError(
      `--runner ${path} has no default export and no export named "runner"`,
    );
  }
  const runner: unknown =
    typeof exported === 'function' && !isRunner(exported)
      ? await (exported as () => unknown)()
      : exported;
  if (!isRunner(runner)) {
    throw new InvalidArgumentError(
      `--runner ${path} must export a Runner (or a function returning one): found no run(userId, sessionId, message) method`,
    );
  }
  return runner;
}

function isRunner(value: unknown): value is BatchRunner {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { run?: unknown }).run === 'function'
  );
}

async function importModule(url: string, path: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  // A .ts module on a Node without type stripping: load it through tsx if it is installed.
  const tsx = 'tsx/esm/api';
  let register: (() => unknown) | undefined;
  try {
    ({ register } = (await import(tsx)) as { register: () => unknown });
  } catch (error) {
    throw new InvalidArgumentError(
      `--runner ${path} is TypeScript: install tsx next to it, or compile it to JavaScript`,
      { cause: error },
    );
  }
  register();
  return (await import(url)) as Record<string, unknown>;
}
