#!/usr/bin/env node
// Starts the built command, or (in a checkout without a build) its TypeScript source via tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/ferrite-batch.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/ferrite-batch.ts', import.meta.url).href);
}
