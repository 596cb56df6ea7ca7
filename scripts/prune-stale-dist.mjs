#!/usr/bin/env node
// Run as a package's `prepack` (cwd = the package): deletes build output in dist/ whose source in
// src/ no longer exists. `tsc -b` never removes the output of a deleted or renamed file, so
// without this a tarball packed from a working tree would ship modules nothing builds any more.
import { readdirSync, rmSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUTPUT_SUFFIXES = ['.d.ts.map', '.d.ts', '.js.map', '.js'];

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

if (existsSync('dist')) {
  for (const path of walk('dist')) {
    const suffix = OUTPUT_SUFFIXES.find((candidate) => path.endsWith(candidate));
    if (!suffix) continue;
    const source = join('src', relative('dist', path.slice(0, -suffix.length)) + '.ts');
    if (!existsSync(source)) {
      rmSync(path);
      console.error(`prune-stale-dist: removed ${path} (no ${source})`);
    }
  }
}
