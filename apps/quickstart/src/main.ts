import { FileArtifactService } from '@ferrite/artifact';
import type { Model } from '@ferrite/core';
import { Launcher } from '@ferrite/launcher';
import { createDesk } from './desk.js';
import { modelFromEnv } from './model-from-env.js';

let model: Model;
try {
  const chosen = modelFromEnv();
  model = chosen.model;
  process.stderr.write(`model: ${chosen.label}\n`);
} catch (error) {
  process.stderr.write(`quickstart: ${(error as Error).message}\n`);
  process.exit(2);
}
await new Launcher(createDesk(model))
  .appName('quickstart')
  .artifactService(new FileArtifactService({ rootDir: process.env.ARTIFACTS_DIR || './artifacts' }))
  .programName('npm run quickstart --')
  .run();
