import { FileArtifactService } from '@ferrite/artifact';
import type { Model } from '@ferrite/core';
import { Launcher } from '@ferrite/launcher';
import { createDesk } from './desk.js';
import { modelFromEnv } from './model-from-env.js';

const PROGRAM = 'npm run quickstart --';

let model: Model;
try {
  const chosen = modelFromEnv();
  model = chosen.model;
  process.stderr.write(`model: ${chosen.label}\n`);
} catch (error) {
  process.stderr.write(`quickstart: ${(error as Error).message}\n`);
  process.exit(2);
}
const argv = process.argv.slice(2);
if (argv[0] === 'serve') {
  // `serve` is the `ferrite serve` command on the desk (its settings, checks, /ready, drain).
  // The CLI and the drivers it may load are imported only here, so a chat starts without them.
  const { exitProcess, runCli } = await import('@ferrite/cli');
  exitProcess(
    await runCli(argv, {
      apps: createDesk(model),
      defaultAppName: 'quickstart',
      programName: PROGRAM,
    }),
  );
} else {
  await new Launcher(createDesk(model))
    .appName('quickstart')
    .artifactService(
      new FileArtifactService({ rootDir: process.env.ARTIFACTS_DIR || './artifacts' }),
    )
    .programName(PROGRAM)
    .run();
}
