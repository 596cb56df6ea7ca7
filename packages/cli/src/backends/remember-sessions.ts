import type { MemoryService, Plugin } from '@ferrite/core';

/**
 * Adds each session to long-term memory after every run, so later runs of the same user get
 * relevant memories preloaded. A memory failure is logged, never turned into a failed run.
 */
export function rememberSessions(memory: MemoryService): Plugin {
  return {
    name: 'remember-sessions',
    afterRun: async (context) => {
      try {
        await memory.addSessionToMemory(context.session);
      } catch (error) {
        process.stderr.write(
          `[ferrite] could not add the session to memory: ${(error as Error).message}\n`,
        );
      }
    },
  };
}
