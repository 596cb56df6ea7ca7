#!/usr/bin/env node
// Pins every package's public surface: one API Extractor report per entry point of each
// packages/* manifest's `exports` (`.` → etc/<name>.api.md, `./postgres` →
// etc/<name>-postgres.api.md, …), read from the built declarations (`dist/**/*.d.ts`, so run
// `tsc -b` first).
//
//   node scripts/api-report.mjs            CI mode: fails (exit 1) and prints the diff when a
//                                          report differs from the committed one, is missing,
//                                          or names an entry point that no longer exists
//   node scripts/api-report.mjs --update   rewrites the reports (pnpm run api:update)
//   --package <folder>                     only that package (repeatable)
//
// API Extractor takes one entry point per configuration, so each entry point gets an in-memory
// configuration; all of them share one TypeScript program (`CompilerState`) built once. Parsing
// the declarations and their dependencies' types is most of the cost, so one process with one
// program (~3 s for every package on a quiet machine) beats child processes that each parse
// them again. Only the reports are produced: no declaration rollup, no doc model, no
// tsdoc-metadata. TSDoc style messages and `ae-missing-release-tag` are off (the packages use
// no release tags); other analyser findings, such as a type used by the surface but not
// exported (`ae-forgotten-export`), are written into the report, so they show up in its diff.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = fileURLToPath(new URL('..', import.meta.url));
const REPORT_FOLDER = 'etc';
const REPORT_SUFFIX = '.api.md';

const { values: args } = parseArgs({
  options: {
    update: { type: 'boolean', default: false },
    package: { type: 'string', multiple: true },
  },
});

/** Every entry point of a package: its subpath, built declaration file and report name. */
function entryPointsOf(packageFolder) {
  const manifest = JSON.parse(readFileSync(join(packageFolder, 'package.json'), 'utf8'));
  const unscopedName = manifest.name.replace(/^@[^/]+\//, '');
  return Object.entries(manifest.exports ?? {}).map(([subpath, target]) => {
    const types = typeof target === 'string' ? target : target.types;
    if (typeof types !== 'string' || !types.endsWith('.d.ts')) {
      throw new Error(`${manifest.name}: exports["${subpath}"] has no "types" declaration file`);
    }
    const suffix = subpath === '.' ? '' : '-' + subpath.replace(/^\.\//, '').replaceAll('/', '-');
    return {
      subpath,
      declarations: join(packageFolder, types),
      reportName: unscopedName + suffix,
    };
  });
}

/** The compiler settings the built declarations are read with: the repository's, minus the
 * source condition (dependencies resolve to their built declarations, as for a user). */
function compilerOptions() {
  const base = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
  const { customConditions: _source, composite: _composite, ...options } = base;
  return { ...options, noEmit: true, declaration: false, declarationMap: false, sourceMap: false };
}

const messages = {
  compilerMessageReporting: { default: { logLevel: 'warning' } },
  extractorMessageReporting: {
    default: { logLevel: 'warning', addToApiReportFile: true },
    'ae-missing-release-tag': { logLevel: 'none' },
    'ae-undocumented': { logLevel: 'none' },
    'ae-unresolved-link': { logLevel: 'none' },
    'ae-wrong-input-file-type': { logLevel: 'error' },
  },
  tsdocMessageReporting: { default: { logLevel: 'none' } },
};

/** Runs API Extractor over one package's entry points; returns whether every report matches.
 * `shared.compilerState` holds the TypeScript program over the declarations of every package
 * checked by this process (built once: parsing them and their dependencies' types is most of
 * the cost). */
function checkPackage(packageFolder, update, shared) {
  const name = relative(root, packageFolder);
  const log = [];
  let ok = true;
  const entries = entryPointsOf(packageFolder);
  const missingBuild = entries.filter((entry) => !existsSync(entry.declarations));
  if (missingBuild.length > 0) {
    for (const entry of missingBuild) {
      log.push(
        `${name}: ${relative(root, entry.declarations)} is missing: run \`pnpm exec tsc -b\` first`,
      );
    }
    return { ok: false, log };
  }

  const reportFolder = join(packageFolder, REPORT_FOLDER);
  if (update) mkdirSync(reportFolder, { recursive: true });
  const tempFolder = mkdtempSync(join(tmpdir(), 'ferrite-api-report-'));
  try {
    const overrideTsconfig = {
      compilerOptions: compilerOptions(),
      files: shared.declarations,
    };
    for (const entry of entries) {
      const config = ExtractorConfig.prepare({
        configObject: {
          projectFolder: packageFolder,
          mainEntryPointFilePath: entry.declarations,
          compiler: { overrideTsconfig },
          newlineKind: 'lf',
          apiReport: {
            enabled: true,
            reportFileName: entry.reportName,
            reportFolder,
            reportTempFolder: tempFolder,
          },
          docModel: { enabled: false },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          messages,
        },
        configObjectFullPath: undefined,
        packageJsonFullPath: join(packageFolder, 'package.json'),
      });
      shared.compilerState ??= CompilerState.create(config, {
        additionalEntryPoints: shared.declarations,
      });
      const result = Extractor.invoke(config, {
        localBuild: update,
        compilerState: shared.compilerState,
        printApiReportDiff: true,
        messageCallback(message) {
          message.handled = true;
          if (message.logLevel === 'verbose' || message.logLevel === 'none') return;
          // Says to copy a temporary file this script deletes; the summary says what to run.
          if (message.messageId === 'console-api-report-not-copied') return;
          if (
            message.logLevel === 'info' &&
            message.messageId !== 'console-api-report-copied' &&
            message.messageId !== 'console-api-report-created'
          )
            return;
          const where = message.sourceFilePath
            ? ` (${relative(root, message.sourceFilePath)}:${message.sourceFileLine})`
            : '';
          log.push(`${name} ${entry.subpath}: ${message.logLevel}: ${message.text}${where}`);
        },
      });
      if (!result.succeeded) ok = false;
    }

    // A report whose entry point is gone is stale.
    const expected = new Set(entries.map((entry) => entry.reportName + REPORT_SUFFIX));
    const present = existsSync(reportFolder)
      ? readdirSync(reportFolder).filter((file) => file.endsWith(REPORT_SUFFIX))
      : [];
    for (const file of present.filter((file) => !expected.has(file))) {
      if (update) {
        rmSync(join(reportFolder, file));
        log.push(`${name}: removed ${REPORT_FOLDER}/${file} (no such entry point)`);
      } else {
        ok = false;
        log.push(`${name}: ${REPORT_FOLDER}/${file} names no entry point of package.json exports`);
      }
    }
  } finally {
    rmSync(tempFolder, { recursive: true, force: true });
  }
  return { ok, log };
}

function packageFolders() {
  const packages = join(root, 'packages');
  return readdirSync(packages)
    .map((folder) => join(packages, folder))
    .filter((folder) => existsSync(join(folder, 'package.json')));
}

/** Checks packages in this process with one shared program; returns the failed folders. */
function checkPackages(folders, update) {
  const shared = {
    compilerState: undefined,
    declarations: folders.flatMap((folder) =>
      entryPointsOf(folder)
        .map((entry) => entry.declarations)
        .filter((file) => existsSync(file)),
    ),
  };
  const failed = [];
  for (const folder of folders) {
    const { ok, log } = checkPackage(folder, update, shared);
    if (log.length > 0) console.log(log.join('\n'));
    if (!ok) failed.push(relative(root, folder));
  }
  return failed;
}

const started = performance.now();
const folders = args.package
  ? args.package.map((folder) => join(root, relative(root, folder)))
  : packageFolders();
const failed = checkPackages(folders, args.update);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (failed.length > 0) {
  console.error(
    `API reports: the surface differs from the committed reports in ${failed.sort().join(', ')} (see above).\n` +
      'If the change is intended, run `pnpm run api:update` (after `pnpm exec tsc -b`) and ' +
      'commit packages/*/etc/*.api.md with it.',
  );
  process.exitCode = 1;
} else {
  console.log(
    `API reports: ${folders.length} package(s) ${args.update ? 'updated' : 'match'} (${seconds} s)`,
  );
}
