// Runs every benchmark in this folder in turn (files named *.bench.ts, or *.bench.js when run
// built from dist/), or the ones named on the command line: `pnpm bench runner session turn`.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const suffix = import.meta.url.endsWith('.js') ? '.bench.js' : '.bench.ts';
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith(suffix))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.includes(name)))
  .sort();
for (const file of files) {
  console.log(`\n# ${file}`);
  await import(pathToFileURL(join(here, file)).href);
}
