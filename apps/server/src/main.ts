import { exitProcess, runCli } from '@ferrite/cli';
import type { Model } from '@ferrite/core';
import { createDesk, modelFromEnv } from '@ferrite/quickstart';

// The quickstart's desk (front_desk → notes_clerk / converter, calculator as a tool) served by
// the `ferrite` command: every setting, check, signal and exit code is the CLI's. With no
// command it serves; `worker` (or FERRITE_MODE=worker) runs queued runs instead.
let model: Model;
try {
  const chosen = modelFromEnv();
  model = chosen.model;
  process.stderr.write(`model: ${chosen.label}\n`);
} catch (error) {
  process.stderr.write(`configuration error: ${(error as Error).message}\n`);
  process.exit(2);
}

exitProcess(
  await runCli(process.argv.slice(2), {
    apps: createDesk(model),
    defaultAppName: 'quickstart',
    defaultCommand: 'serve',
    programName: 'node dist/main.js',
  }),
);
