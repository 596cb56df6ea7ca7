import { FileArtifactService } from '@ferrite/artifact';
import { Launcher } from '@ferrite/launcher';
import { createDesk } from './desk.js';
import { modelFromEnv } from './model-from-env.js';

const { model, label } = modelFromEnv();
process.stderr.write(`model: ${label}\n`);
await new Launcher(createDesk(model))
  .appName('quickstart')
  .artifactService(new FileArtifactService({ rootDir: process.env.ARTIFACTS_DIR || './artifacts' }))
  .programName('pnpm quickstart')
  .run();
