// Builds the quickstart as one file, dist/quickstart.mjs, that plain `node` starts: the app and
// the workspace packages it uses are bundled from their sources (the `@ferrite/source` export
// condition), so a start reads one file instead of resolving and compiling some 600 modules
// (rxjs alone is ~300 CommonJS files). Type-checking stays with `tsc -b`; this only transpiles.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

// A package that reads its own package.json beside its sources
// (`createRequire(import.meta.url)('../../package.json')`) would look for it next to the bundle;
// the bundle gets the package's name and version inlined instead.
const PACKAGE_JSON_READ =
  /createRequire\(import\.meta\.url\)\((['"])\.\.\/\.\.\/package\.json\1\)/g;
const inlinePackageJson = {
  name: 'inline-package-json',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!PACKAGE_JSON_READ.test(source)) return undefined;
      PACKAGE_JSON_READ.lastIndex = 0;
      const manifest = JSON.parse(
        await readFile(join(dirname(args.path), '../../package.json'), 'utf8'),
      );
      const inlined = JSON.stringify({ name: manifest.name, version: manifest.version });
      return { contents: source.replace(PACKAGE_JSON_READ, `(${inlined})`), loader: 'ts' };
    });
  },
};

// The drivers `serve` (the `ferrite` command) loads only when a setting names their backend
// (PostgreSQL, S3, Qdrant, Redis and BullMQ) and tsx (for TypeScript modules, which the quickstart
// never loads) stay out of the bundle: an import of one becomes an import of the installed
// package's own file, resolved here as Node would resolve it from the importing package, so they
// run from node_modules exactly as they were published and the build stays fast.
const INSTALLED = /^(?:pg|kysely|bullmq|ioredis|tsx|@aws-sdk\/[^/]+|@qdrant\/[^/]+)(?:\/.*)?$/;
const installedDrivers = {
  name: 'installed-drivers',
  setup(builder) {
    builder.onResolve({ filter: INSTALLED }, async (args) => {
      if (args.pluginData?.installedDrivers) return undefined;
      const resolved = await builder.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { installedDrivers: true },
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};

// The chat needs the first file only; what `serve` adds (the CLI) is in chunks it imports
// when chosen. Chunks of an earlier build go first, so stale ones do not pile up.
await rm(join(here, 'dist/chunks'), { recursive: true, force: true });
await build({
  entryPoints: { quickstart: join(here, 'src/main.ts') },
  outdir: join(here, 'dist'),
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@ferrite/source'],
  plugins: [rxjsEsm, inlinePackageJson, installedDrivers],
  // Bundled CommonJS packages (ajv) call require() for Node's built-ins; ESM has no require.
  banner: {
    js: "import { createRequire as __ferriteRequire } from 'node:module'; const require = __ferriteRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
