#!/usr/bin/env node
import { runCli } from './cli/run-cli.js';

// Node is the process that receives the signals (no wrapper in between); the code is set once
// the command has released its stores, and the exit waits for stdout and stderr to drain.
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
let pending = 2;
const done = (): void => {
  if (--pending === 0) process.exit(code);
};
process.stdout.write('', done);
process.stderr.write('', done);
