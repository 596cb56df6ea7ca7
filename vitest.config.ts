import { readdirSync, existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Every workspace project runs from source: the `@ferrite/source` export condition points
// each package's entry points at its `src/*.ts`, so tests never need a build first.
const conditions = ['@ferrite/source'];
const projectDirs = [
  ...readdirSync('packages').map((name) => `packages/${name}`),
  ...readdirSync('apps').map((name) => `apps/${name}`),
  'test',
].filter((dir) => existsSync(`${dir}/package.json`));

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.replace(/^(packages|apps)\//, ''),
        root: dir,
        include: ['src/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    })),
  },
});
