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

// The project name is the folder name; an app whose folder repeats a package's (apps/server)
// is named `<folder>-app`.
function projectName(dir: string): string {
  const name = dir.replace(/^(packages|apps)\//, '');
  return dir.startsWith('apps/') && existsSync(`packages/${name}/package.json`) ? `${name}-app` : name;
}

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: projectName(dir),
        root: dir,
        include: ['src/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 60_000,
        // s3rver (the artifact tests' S3 server, hosted in the worker) encrypts its listing
        // continuation tokens with DES, which Node 20 only offers with the legacy provider.
        ...(dir === 'packages/artifact' ? { execArgv: ['--openssl-legacy-provider'] } : {}),
      },
    })),
  },
});
