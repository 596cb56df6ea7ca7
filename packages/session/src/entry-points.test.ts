import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const DRIVERS = ['pg', 'kysely', '@electric-sql/pglite'];

/**
 * The packages a module loads at run time, following its relative imports through this package.
 * `import type` and `export type` statements are left out: TypeScript erases them.
 */
function runtimePackages(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const statements = source.matchAll(
      /^(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
    );
    for (const [, , typeOnly, specifier] of statements) {
      if (typeOnly || specifier === undefined) continue;
      if (specifier.startsWith('.'))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else
        packages.add(
          specifier.startsWith('@')
            ? specifier.split('/').slice(0, 2).join('/')
            : specifier.split('/')[0]!,
        );
    }
  };
  visit(entry);
  return packages;
}

describe('entry points', () => {
  it('@ferrite/session loads no database driver', () => {
    const loaded = runtimePackages(resolve(here, 'index.ts'));
    expect(loaded).toContain('@ferrite/core');
    for (const driver of DRIVERS) expect(loaded).not.toContain(driver);
  });

  it('@ferrite/session/internal loads no database driver either', () => {
    const loaded = runtimePackages(resolve(here, 'internal.ts'));
    for (const driver of DRIVERS) expect(loaded).not.toContain(driver);
  });

  it('@ferrite/session/postgres loads kysely and pg (and never PGlite)', () => {
    const loaded = runtimePackages(resolve(here, 'postgres/index.ts'));
    expect(loaded).toContain('kysely');
    expect(loaded).toContain('pg');
    expect(loaded).not.toContain('@electric-sql/pglite');
  });
});
