import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Dev UI version the browser test runs against. */
const DEV_UI_VERSION = '2.0.0';

const CACHE = fileURLToPath(
  new URL('../../../node_modules/.cache/ferrite-dev-ui/', import.meta.url),
);

/**
 * The folder of ADK's Dev UI (`dist/browser` of `@google/adk-devtools`), fetched once with
 * `npm pack` (its `npm install` fails on a dependency missing from the registry) and unpacked
 * under `node_modules/.cache`.
 */
export async function devUiRoot(): Promise<string> {
  const root = join(CACHE, DEV_UI_VERSION);
  const browser = join(root, 'package', 'dist', 'browser');
  if (existsSync(join(browser, 'index.html'))) return browser;
  const staging = `${root}.${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const { stdout } = await run(
    'npm',
    ['pack', `@google/adk-devtools@${DEV_UI_VERSION}`, '--silent', '--pack-destination', staging],
    { timeout: 120_000 },
  );
  const tarball = stdout.trim().split('\n').at(-1)!;
  await run('tar', ['xzf', join(staging, tarball), '-C', staging], { timeout: 60_000 });
  await rm(root, { recursive: true, force: true });
  await rename(staging, root);
  return browser;
}
