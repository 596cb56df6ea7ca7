/**
 * Ends the process with `code` once stdout and stderr have drained (a plain `process.exit` may
 * cut a piped stdout short). A program calls it after `runCli` resolved, when the command
 * has released its stores, so nothing left open (a keep-alive socket, a loader) holds the
 * process up.
 *
 * @example
 * ```ts
 * exitProcess(await runCli(process.argv.slice(2), { apps: { shop: shopAgent } }));
 * ```
 */
export function exitProcess(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}
