import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@ferrite/core';

/** Options of {@link findDevUi}. */
export interface FindDevUiOptions {
  /** A folder holding the UI's `index.html`, used instead of an installed package. */
  dir?: string | undefined;
  /** Folders `@google/adk-devtools` is looked up from (default: the working directory, then this package's). */
  from?: readonly string[];
}

const PACKAGE = '@google/adk-devtools';

/** How to get the UI, for the error a missing one raises. */
export const DEV_UI_INSTALL_HINT =
  `install ${PACKAGE} next to your app (npm pack ${PACKAGE}@2.0.0, then npm install ` +
  `./google-adk-devtools-2.0.0.tgz --omit=optional --no-save), or name a folder holding the ` +
  `UI's index.html with --dev-ui-dir`;

/**
 * The folder of ADK's Dev UI (`dist/browser` of `@google/adk-devtools`), resolved at run time
 * so the package stays optional: it is located through Node's resolution from the working
 * directory (then from this package), never imported. With `dir`, that folder is checked
 * instead. A folder without `index.html` is an {@link InvalidArgumentError} saying how to get one.
 */
export async function findDevUi(options: FindDevUiOptions = {}): Promise<string> {
  if (options.dir !== undefined) {
    const root = resolve(options.dir);
    if (!(await isFile(join(root, 'index.html')))) {
      throw new InvalidArgumentError(`the Dev UI folder ${root} holds no index.html`);
    }
    return root;
  }
  const bases = options.from ?? [process.cwd(), dirname(new URL(import.meta.url).pathname)];
  for (const base of bases) {
    let entry: string;
    try {
      entry = createRequire(pathToFileURL(join(resolve(base), 'noop.js'))).resolve(PACKAGE);
    } catch {
      continue;
    }
    const root = await packageRootOf(entry);
    if (root === undefined) continue;
    const browser = join(root, 'dist', 'browser');
    if (await isFile(join(browser, 'index.html'))) return browser;
  }
  throw new InvalidArgumentError(`ADK's Dev UI was not found: ${DEV_UI_INSTALL_HINT}`);
}

/** The folder of the `@google/adk-devtools` package.json above a file it holds. */
async function packageRootOf(file: string): Promise<string | undefined> {
  for (let folder = dirname(file); ; folder = dirname(folder)) {
    try {
      const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as {
        name?: unknown;
      };
      if (manifest.name === PACKAGE) return folder;
    } catch {
      // No (readable) manifest here: keep climbing.
    }
    if (dirname(folder) === folder) return undefined;
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (found) => found.isFile(),
    () => false,
  );
}
