#!/usr/bin/env node
// The `ferrite-batch` command: see `ferrite-batch --help`.
import { runBatchCli } from './batch-cli.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  // The first Ctrl+C stops the batch (the summary is still written); the second quits.
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\nferrite-batch: stopping (Ctrl+C again to quit now)\n');
  controller.abort();
});
const status = await runBatchCli(process.argv.slice(2), process, controller.signal);
// Exit even if a runner left connections or processes open (reused processes are killed on exit).
process.exit(status);
