#!/usr/bin/env node
// Packs every packages/* workspace the way it would be published (`pnpm pack`: `workspace:*`
// resolved, `publishConfig.exports` in place of `exports`) and checks each tarball:
//   - publint: no errors or warnings;
//   - Are the Types Wrong (@arethetypeswrong/core) with the CLI's `esm-only` profile: every
//     entry point resolves to JavaScript and matching declarations under `node16` (from ESM) and
//     `bundler`. The `node10` and `node16-cjs` resolutions are not checked: the packages are
//     ESM-only, `node10` ignores `exports` altogether (and TypeScript 6 deprecates it), and a
//     CommonJS file can only reach ESM through `import()` (or Node's `require(esm)`), which the
//     `node16-cjs` rules would report as a problem by design;
//   - contents: LICENSE (the repository's text) and README.md; no tests, fixtures, build info
//     or private `testing` helpers; every relative import of a shipped .js/.d.ts file and every
//     source map's `sources` entry names a shipped file; no `@ferrite/source` condition and no
//     `workspace:` range left in the packed manifest, whose `exports` equal the repository's
//     minus that condition.
// Needs the build (`tsc -b`) first. Exits 1 with every finding listed, 0 when all are clean.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { isDeepStrictEqual } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_CONDITION = '@ferrite/source';
const IGNORED_RESOLUTIONS = new Set(['node10', 'node16-cjs']);
const license = readFileSync(join(root, 'LICENSE'));

/** The files of a .tgz as a map from path (without the leading `package/`) to contents. */
function untar(tarball) {
  const data = gunzipSync(tarball);
  const files = new Map();
  const text = (start, length) =>
    data.toString('utf8', start, start + length).replace(/\0[\s\S]*$/, '');
  for (let offset = 0; offset + 512 <= data.length;) {
    const name = text(offset, 100);
    if (name === '') break;
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8);
    const prefix = text(offset + 345, 155);
    const type = text(offset + 156, 1);
    const path = (prefix ? `${prefix}/${name}` : name).replace(/^package\//, '');
    if (type === '0' || type === '')
      files.set(path, data.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** `exports` with the source condition removed, as the packed manifest must carry it. */
function withoutSourceCondition(value) {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== SOURCE_CONDITION)
      .map(([key, inner]) => [key, withoutSourceCondition(inner)]),
  );
}

function checkContents(dir, files) {
  const findings = [];
  const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  const packed = JSON.parse(files.get('package.json').toString('utf8'));
  const hasTestingSubpath = Object.keys(manifest.exports ?? {}).some((key) =>
    key.includes('testing'),
  );

  if (!files.get('LICENSE')?.equals(license))
    findings.push('LICENSE is missing or differs from the repository LICENSE');
  if (!files.has('README.md')) findings.push('README.md is missing');
  for (const path of files.keys()) {
    if (/\.test\.|(^|\/)fixtures\/|\.tsbuildinfo$/.test(path))
      findings.push(`ships a test file: ${path}`);
    if (!hasTestingSubpath && /(^|\/)testing(\/|\.)/.test(path))
      findings.push(`ships a private testing helper: ${path}`);
  }
  if (JSON.stringify(packed.exports ?? {}).includes(SOURCE_CONDITION)) {
    findings.push(
      `packed exports keep the ${SOURCE_CONDITION} condition (publishConfig.exports missing?)`,
    );
  } else if (!isDeepStrictEqual(packed.exports, withoutSourceCondition(manifest.exports))) {
    findings.push(`publishConfig.exports differs from exports without ${SOURCE_CONDITION}`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith('workspace:')) findings.push(`${field}.${name} is ${range}`);
    }
  }
  if (!packed.engines?.node) findings.push('engines.node is missing');

  const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm;
  for (const [path, contents] of files) {
    const isDeclaration = path.endsWith('.d.ts');
    if (path.endsWith('.js') || isDeclaration) {
      for (const match of contents.toString('utf8').matchAll(importPattern)) {
        const target = posix.join(posix.dirname(path), match[2]);
        const candidates = isDeclaration ? [target.replace(/\.js$/, '.d.ts'), target] : [target];
        if (!candidates.some((candidate) => files.has(candidate))) {
          findings.push(`${path} imports ${match[2]}, which is not in the tarball`);
        }
      }
    }
    if (path.endsWith('.map')) {
      const map = JSON.parse(contents.toString('utf8'));
      for (const source of map.sources ?? []) {
        const target = posix.join(posix.dirname(path), map.sourceRoot ?? '', source);
        if (!files.has(target))
          findings.push(`${path} maps to ${source}, which is not in the tarball`);
      }
    }
  }
  return findings;
}

async function checkPublint(files) {
  const { messages, pkg } = await publint({
    pkgDir: 'package',
    level: 'warning',
    pack: { files: [...files].map(([name, data]) => ({ name: `package/${name}`, data })) },
  });
  return messages.map(
    (message) => `publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`,
  );
}

async function checkTypes(tarball) {
  const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(tarball)));
  if (!analysis.types) return ['attw: the package has no types'];
  return analysis.problems
    .filter(
      (problem) =>
        !('resolutionKind' in problem && IGNORED_RESOLUTIONS.has(problem.resolutionKind)),
    )
    .map((problem) => {
      const { kind, ...details } = problem;
      return `attw ${kind}: ${JSON.stringify(details)}`;
    });
}

const started = performance.now();
const destination = mkdtempSync(join(tmpdir(), 'ferrite-pack-'));
let failed = false;
try {
  execFileSync(
    'pnpm',
    ['-r', '--filter', './packages/*', 'pack', '--pack-destination', destination],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const tarballs = new Map(
    readdirSync(destination).map((name) => [name, readFileSync(join(destination, name))]),
  );
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (manifest.private) continue;
    const tarballName = `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
    const tarball = tarballs.get(tarballName);
    const findings = tarball
      ? await (async () => {
          const files = untar(tarball);
          return [
            ...checkContents(dir, files),
            ...(await checkPublint(files)),
            ...(await checkTypes(tarball)),
          ];
        })()
      : [`pnpm pack produced no ${tarballName}`];
    if (findings.length > 0) {
      failed = true;
      console.error(
        `✗ ${manifest.name}\n${findings.map((finding) => `    ${finding}`).join('\n')}`,
      );
    } else {
      console.log(`✓ ${manifest.name} (${tarball.length} bytes packed)`);
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
console.log(`check-packages: ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
