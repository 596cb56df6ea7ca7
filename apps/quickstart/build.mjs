// Builds the quickstart as one file, dist/quickstart.mjs, that plain `node` starts: the app and
// the workspace packages it uses are bundled from their sources (the `@ferrite/source` export
// condition), so a start reads one file instead of resolving and compiling some 600 modules
// (rxjs alone is ~300 CommonJS files). Type-checking stays with `tsc -b`; this only transpiles.
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// rxjs's `node` export condition picks its CommonJS build, which cannot be tree-shaken; its
// ES2015 modules can, so the bundle keeps only the operators the packages use.
const rxjsRoot = dirname(
  require.resolve('rxjs/package.json', { paths: [join(here, '../../packages/runner')] }),
);
const rxjsEsm = {
  name: 'rxjs-esm',
  setup(builder) {
    builder.onResolve({ filter: /^rxjs$/ }, () => ({ path: join(rxjsRoot, 'dist/esm/index.js') }));
  },
};

await build({
  entryPoints: [join(here, 'src/main.ts')],
  outfile: join(here, 'dist/quickstart.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@ferrite/source'],
  plugins: [rxjsEsm],
  // Bundled CommonJS packages (ajv) call require() for Node's built-ins; ESM has no require.
  banner: {
    js: "import { createRequire as __ferriteRequire } from 'node:module'; const require = __ferriteRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
