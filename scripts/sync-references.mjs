#!/usr/bin/env node
// Writes each workspace project's tsconfig.json `references` from its @ferrite/* dependencies,
// and the root tsconfig.json from the list of projects, so `tsc -b` follows the package graph.
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dirs = ['packages', 'apps']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .concat([join(root, 'test')])
  .filter((dir) => existsSync(join(dir, 'package.json')));

const byName = new Map();
for (const dir of dirs) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  byName.set(manifest.name, { dir, manifest });
}

for (const { dir, manifest } of byName.values()) {
  const deps = { ...manifest.dependencies, ...manifest.devDependencies };
  const references = Object.keys(deps)
    .filter((name) => byName.has(name))
    .sort()
    .map((name) => ({ path: relative(dir, byName.get(name).dir) }));
  const path = join(dir, 'tsconfig.json');
  const current = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  const config = {
    extends: relative(dir, join(root, 'tsconfig.base.json')),
    compilerOptions: {
      rootDir: 'src',
      outDir: 'dist',
      tsBuildInfoFile: 'dist/.tsbuildinfo',
      ...current.compilerOptions,
    },
    include: current.include ?? ['src'],
    references,
  };
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n');
}

const rootConfig = {
  files: [],
  references: [...byName.values()].map(({ dir }) => ({ path: relative(root, dir) })),
};
writeFileSync(join(root, 'tsconfig.json'), JSON.stringify(rootConfig, null, 2) + '\n');
