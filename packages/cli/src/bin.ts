#!/usr/bin/env node
import { exitProcess } from './cli/exit-process.js';
import { runCli } from './cli/run-cli.js';

// Node is the process that receives the signals (no wrapper in between); the code is set once
// the command has released its stores, and the exit waits for stdout and stderr to drain.
exitProcess(await runCli(process.argv.slice(2)));
