import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, toArray, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { InvalidArgumentError, TargetError, textOf, type Event } from '@ferrite/core';
import { fakeContext } from '../testing/fake-context.js';
import { processTest } from '../testing/process-leaks.js';
import { ProcessAgent, type ProcessAgentConfig } from './process-agent.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const node = (name: string, ...args: string[]): string[] => [
  process.execPath,
  fixture(name),
  ...args,
];

// Long enough for a Node process to start and print on a busy machine.
const STARTUP_MS = 5000;

type AgentFactory = (
  config: Partial<ProcessAgentConfig> & Pick<ProcessAgentConfig, 'command'>,
) => ProcessAgent;

// Every test gets `agent`, which marks the processes it starts; after each test, none of them
// may still run (see processTest).
const it = processTest.extend<{ agent: AgentFactory }>({
  agent: async ({ markedEnv }, use) => {
    await use(
      (config) =>
        new ProcessAgent({ name: 'target', ...config, env: { ...config.env, ...markedEnv } }),
    );
  },
});

function collect(events: Observable<Event>): Promise<Event[]> {
  return lastValueFrom(events.pipe(toArray()));
}

async function turn(target: ProcessAgent, text: string): Promise<Event[]> {
  return collect(target.run(fakeContext(target, text)));
}

async function failure(target: ProcessAgent, text: string): Promise<TargetError> {
  const error: unknown = await turn(target, text).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TargetError.isInstance(error), `expected a TargetError, got ${String(error)}`).toBe(true);
  return error as TargetError;
}

/** True while `pid` runs (a zombie, dead but not yet reaped by its new parent, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitUntilGone(pid: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > until) throw new Error(`process ${pid} is still running`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The pid of the reused process, once the turn in progress has started it. */
async function pidOf(target: ProcessAgent): Promise<number> {
  while (target.pid === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  return target.pid;
}

/** Starts a turn and unsubscribes at its first event; resolves with the pid that event names. */
function cancelAtFirstEvent(target: ProcessAgent): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const subscription = target.run(fakeContext(target, 'hi')).subscribe({
      next: (event) => {
        subscription.unsubscribe();
        resolve(pidIn(textOf(event.content)));
      },
      error: reject,
    });
  });
}

function pidIn(text: string): number {
  const match = /pid=(\d+)|agent (\d+)/.exec(text);
  if (!match) throw new Error(`no pid in ${JSON.stringify(text)}`);
  return Number(match[1] ?? match[2]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrite-process-agent-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ProcessAgent', () => {
  it('sends the input and stores the final output', async ({ agent }) => {
    const events = await turn(agent({ command: node('echo.mjs') }), 'hello');
    expect(events).toHaveLength(1);
    expect(events[0]!.partial).toBeFalsy();
    expect(events[0]!.author).toBe('target');
    expect(textOf(events[0]!.content)).toBe('echo: hello');
  });

  it('sends the session context with the input', async ({ agent }) => {
    const target = agent({ command: node('echo.mjs') });
    const context = fakeContext(target, 'context', { state: { topic: 'tides' }, sessionId: 's9' });
    const [event] = await collect(target.run(context));
    expect(JSON.parse(textOf(event!.content))).toEqual({
      sessionId: 's9',
      userId: 'u1',
      appName: 'app',
      invocationId: 'inv-1',
      state: { topic: 'tides' },
    });
  });

  it('emits deltas as partial events and ends with the whole text', async ({ agent }) => {
    const events = await turn(agent({ command: node('stream.mjs') }), 'one two three');
    expect(events.map((e) => [e.partial ?? false, textOf(e.content)])).toEqual([
      [true, 'one '],
      [true, 'two '],
      [true, 'three'],
      [false, 'one two three'],
    ]);
  });

  it('runs an agent written in Python', async ({ agent }) => {
    const target = agent({
      command: ['python3', '-u', fixture('echo_agent.py')],
      readyPattern: '^READY$',
    });
    const events = await turn(target, 'hi there');
    expect(events.filter((e) => e.partial).map((e) => textOf(e.content))).toEqual(['hi', ' there']);
    expect(textOf(events.at(-1)!.content)).toBe('python: hi there');
  });

  it('waits for the ready line, ignoring the noise before it', async ({ agent }) => {
    const target = agent({ command: node('slow-start.mjs', '300'), readyPattern: /^READY$/g });
    const events = await turn(target, 'go');
    expect(textOf(events[0]!.content)).toBe('ready: go');
  });

  it('treats start-up noise as bad output when there is no ready pattern', async ({ agent }) => {
    const target = agent({ command: node('slow-start.mjs', '300') });
    const error = await failure(target, 'go');
    expect(error.message).toContain(
      'stdout line 1 is not a JSON message: "loading model weights…"',
    );
  });

  // The timeout tests wait STARTUP_MS each, so they run side by side.
  it.concurrent(
    'times out a slow start and reports it waited for the ready line',
    async ({ agent }) => {
      const target = agent({
        command: node('slow-start.mjs', '60000'),
        readyPattern: '^READY$',
        timeoutMs: STARTUP_MS,
      });
      const error = await failure(target, 'go');
      expect(error.message).toContain(
        `timed out after ${STARTUP_MS} ms waiting for the ready line`,
      );
      expect(error.message).toContain('after stdout line 2');
    },
  );

  it.concurrent('times out a process that never answers and reaps it', async ({ agent }) => {
    const target = agent({ command: node('silent.mjs'), timeoutMs: STARTUP_MS });
    const error = await failure(target, 'anyone?');
    expect(error.message).toContain(`timed out after ${STARTUP_MS} ms waiting for a final message`);
    expect(error.message).toContain('after stdout line 1');
    expect(error.message).toMatch(/stderr tail:\nsilent agent \d+ listening/);
    expect(alive(pidIn(error.message))).toBe(false);
  });

  it.concurrent(
    'SIGKILLs a process that ignores SIGTERM after the kill timeout',
    async ({ agent }) => {
      const signals = join(dir, 'timeout-signals.log');
      const target = agent({
        command: node('trap-term.mjs'),
        env: { SIGNAL_LOG: signals },
        timeoutMs: STARTUP_MS,
        // Long enough for the trapping handler to run on a busy machine.
        killTimeoutMs: 1000,
      });
      const error = await failure(target, 'anyone?');
      expect(error.message).toContain(
        `timed out after ${STARTUP_MS} ms waiting for a final message`,
      );
      const pid = pidIn(error.message);
      // SIGTERM came first and was ignored; the error is reported only once SIGKILL followed and
      // the process is gone.
      expect(await readFile(signals, 'utf8')).toBe('SIGTERM\n');
      expect(error.message).toContain('ignoring SIGTERM');
      expect(alive(pid)).toBe(false);
    },
  );

  it.concurrent('waits 5 s by default between the kill signal and SIGKILL', async ({ agent }) => {
    const signals = join(dir, 'default-signals.log');
    const target = agent({ command: node('trap-term.mjs'), env: { SIGNAL_LOG: signals } });
    const pid = await cancelAtFirstEvent(target);
    while (!(await readFile(signals, 'utf8').catch(() => '')).includes('SIGTERM')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Ignoring SIGTERM buys it the kill timeout: a second after the SIGTERM it still runs...
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(alive(pid)).toBe(true);
    // ...and then SIGKILL ends it.
    await waitUntilGone(pid, 20_000);
  });

  it.concurrent('uses the configured kill signal', async ({ agent }) => {
    // SIGINT is not trapped, so the process stops at once; were SIGTERM sent instead, the
    // SIGKILL would come only after 60 s and the test would time out.
    const target = agent({
      command: node('trap-term.mjs'),
      timeoutMs: STARTUP_MS,
      killSignal: 'SIGINT',
      killTimeoutMs: 60_000,
    });
    const error = await failure(target, 'anyone?');
    expect(alive(pidIn(error.message))).toBe(false);
  });

  it.concurrent('stops a helper the process started that outlives it', async ({ agent }) => {
    const target = agent({
      command: node('orphan.mjs'),
      timeoutMs: STARTUP_MS,
      killTimeoutMs: 500,
    });
    const events: Event[] = [];
    const error: unknown = await new Promise((resolve) => {
      target.run(fakeContext(target, 'go')).subscribe({
        next: (event) => events.push(event),
        error: resolve,
      });
    });
    // The helper keeps stdout open, so the exit shows only as a timeout; either way the turn
    // settles only once the helper is gone too.
    expect(TargetError.isInstance(error)).toBe(true);
    const helper = pidIn(textOf(events[0]!.content));
    expect(alive(helper)).toBe(false);
  });

  it('reports an exit before the final message with the exit code and stderr tail', async ({
    agent,
  }) => {
    const error = await failure(agent({ command: node('exit-early.mjs') }), 'hello');
    expect(error.message).toContain('exited with code 3 before sending a final message');
    expect(error.message).toContain('after stdout line 1');
    expect(error.message).toContain('fatal: cannot reach the model');
  });

  it('reports a non-JSON line with its line number and the stderr tail', async ({ agent }) => {
    const error = await failure(agent({ command: node('garbage.mjs') }), 'hello');
    expect(error.message).toContain(
      'stdout line 2 is not a JSON message: "Traceback (most recent call last): oops"',
    );
    // stderr comes on its own pipe, maybe after the bad line: the error waits for the process
    // to stop, so the tail is complete.
    expect(error.message).toContain('stderr tail:\nsomething went wrong in the agent');
  });

  it('refuses a 2 MB line, with its line number and the stderr tail', async ({ agent }) => {
    const error = await failure(agent({ command: node('huge-line.mjs') }), 'hello');
    expect(error.message).toContain(`stdout line 1 is longer than ${1024 * 1024} bytes`);
    expect(error.message).toContain('stderr tail:\nwriting a 2 MB answer');
    expect(error.message.length).toBeLessThan(10_000);
  });

  it('honours a smaller maxLineBytes', async ({ agent }) => {
    const target = agent({ command: node('echo.mjs'), maxLineBytes: 40 });
    await expect(turn(target, 'short')).resolves.toHaveLength(1);
    const error = await failure(target, 'x'.repeat(40));
    expect(error.message).toContain('stdout line 1 is longer than 40 bytes');
  });

  it('passes the command array to the program without a shell', async ({ agent }) => {
    const prefix = '$(echo injected) "quoted" * ; ';
    const [event] = await turn(agent({ command: node('echo.mjs', prefix) }), 'hi');
    expect(textOf(event!.content)).toBe(`${prefix}hi`);
  });

  it('starts the program in cwd', async ({ agent }) => {
    const target = agent({ command: [process.execPath, 'echo.mjs'], cwd: fixture('.') });
    const [event] = await turn(target, 'from here');
    expect(textOf(event!.content)).toBe('echo: from here');
    const missing = agent({ command: [process.execPath, 'echo.mjs'], cwd: '/nonexistent/dir' });
    const error = await failure(missing, 'x');
    expect(error.message).toContain('could not start');
    expect(error.message).toContain('in "/nonexistent/dir"');
  });

  it('turns a reported error into a TargetError with the target code', async ({ agent }) => {
    const error = await failure(agent({ command: node('echo.mjs') }), 'fail');
    expect(error.targetCode).toBe('RATE_LIMIT');
    expect(error.message).toContain('rate limit exceeded');
  });

  it('fails clearly when the program does not exist', async ({ agent }) => {
    const error = await failure(agent({ command: ['/nonexistent/agent-binary'] }), 'hello');
    expect(error.message).toContain('could not start');
    expect(error.message).toContain('ENOENT');
  });

  it('substitutes ${VAR} in env from the parent environment', async ({ agent }) => {
    process.env.FERRITE_TEST_GREETING = 'bonjour';
    try {
      const target = agent({
        command: node('env.mjs'),
        env: { GREETING: '${FERRITE_TEST_GREETING}, world' },
      });
      const [event] = await turn(target, 'x');
      expect(textOf(event!.content)).toBe('bonjour, world|path');
    } finally {
      delete process.env.FERRITE_TEST_GREETING;
    }
  });

  it('rejects an unset ${VAR} in env with InvalidArgumentError', async ({ agent }) => {
    const target = agent({
      command: node('env.mjs'),
      env: { GREETING: '${FERRITE_TEST_UNSET_VAR}' },
    });
    const error: unknown = await turn(target, 'x').catch((e: unknown) => e);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('${FERRITE_TEST_UNSET_VAR}');
  });

  it('kills the process when the turn is cancelled', async ({ agent }) => {
    const pid = await cancelAtFirstEvent(agent({ command: node('silent.mjs') }));
    await waitUntilGone(pid);
  });

  it('stops at once when the context signal aborts', async ({ agent }) => {
    const target = agent({ command: node('silent.mjs') });
    const controller = new AbortController();
    const events: Event[] = [];
    const error = await new Promise<unknown>((resolve) => {
      target.run(fakeContext(target, 'hi', { signal: controller.signal })).subscribe({
        next: (event) => {
          events.push(event);
          controller.abort(new Error('stop'));
        },
        error: resolve,
      });
    });
    expect(TargetError.isInstance(error)).toBe(true);
    const helper = pidIn(textOf(events[0]!.content));
    expect(alive(helper)).toBe(false);
  });

  it('validates its configuration', ({ agent }) => {
    expect(() => agent({ command: [] })).toThrow(InvalidArgumentError);
    expect(() => agent({ command: ['node'], readyPattern: '(' })).toThrow(InvalidArgumentError);
    expect(() => agent({ command: ['node'], timeoutMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => agent({ command: ['node'], killSignal: 'SIGNOPE' as NodeJS.Signals })).toThrow(
      /killSignal "SIGNOPE" is not a signal/,
    );
    expect(() => new ProcessAgent({ name: 'bad name', command: ['node'] })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('ProcessAgent with reuse', () => {
  it('serves 100 turns from one process', async ({ agent }) => {
    await using target = agent({
      command: node('counter.mjs'),
      readyPattern: '^READY$',
      reuse: true,
    });
    const outputs: string[] = [];
    for (let i = 1; i <= 100; i++) {
      const [event] = await turn(target, `t${i}`);
      outputs.push(textOf(event!.content));
    }
    const pids = new Set(outputs.map((output) => output.split(':')[0]));
    expect(pids.size).toBe(1);
    expect(outputs[99]).toMatch(/^\d+:100:t100$/);
    expect(Number([...pids][0])).toBe(target.pid);
  });

  it('serializes concurrent turns so inputs never interleave', async ({ agent }) => {
    await using target = agent({
      command: node('counter.mjs'),
      readyPattern: '^READY$',
      reuse: true,
    });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => turn(target, `c${i}`)));
    const served = results.map((events) => Number(textOf(events[0]!.content).split(':')[1]));
    expect(served.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Each turn got the answer to its own input.
    results.forEach((events, i) =>
      expect(textOf(events[0]!.content)).toMatch(new RegExp(`:c${i}$`)),
    );
  });

  it('restarts the process after it dies', async ({ agent }) => {
    await using target = agent({
      command: node('counter.mjs'),
      readyPattern: '^READY$',
      reuse: true,
    });
    const [first] = await turn(target, 'a');
    const firstPid = Number(textOf(first!.content).split(':')[0]);
    const error = await failure(target, 'die');
    expect(error.message).toContain('exited with code 1');
    const [next] = await turn(target, 'b');
    const [pid, served] = textOf(next!.content).split(':').map(Number);
    expect(pid).not.toBe(firstPid);
    expect(served).toBe(1);
    expect(alive(firstPid)).toBe(false);
  });

  it('keeps the process after a reported error', async ({ agent }) => {
    await using target = agent({ command: node('echo.mjs'), reuse: true });
    await turn(target, 'one');
    const pid = target.pid;
    await failure(target, 'fail');
    await turn(target, 'two');
    expect(target.pid).toBe(pid);
  });

  it('replaces the process after a timeout', async ({ agent }) => {
    await using target = agent({ command: node('silent.mjs'), reuse: true, timeoutMs: 500 });
    const firstTurn = failure(target, 'a');
    const first = await pidOf(target);
    expect((await firstTurn).message).toContain('timed out after 500 ms');
    expect(alive(first)).toBe(false);
    const secondTurn = failure(target, 'b');
    const second = await pidOf(target);
    await secondTurn;
    expect(second).not.toBe(first);
  });

  it('starts a fresh process when the reused one was killed between turns', async ({ agent }) => {
    await using target = agent({
      command: node('counter.mjs'),
      readyPattern: '^READY$',
      reuse: true,
    });
    await turn(target, 'a');
    const first = target.pid!;
    process.kill(first, 'SIGKILL');
    await waitUntilGone(first);
    // The zombie is gone from the kernel's view a moment before Node reaps it and the agent
    // hears of the exit; a turn sent in between would still go to the dead process.
    while (target.pid !== undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    const [event] = await turn(target, 'b');
    const [pid, served] = textOf(event!.content).split(':').map(Number);
    expect(pid).not.toBe(first);
    expect(served).toBe(1);
  });

  it('replaces a process that writes between turns', async ({ agent }) => {
    await using target = agent({ command: node('chatty.mjs'), reuse: true });
    const [first] = await turn(target, 'a');
    const firstPid = Number(textOf(first!.content));
    await waitUntilGone(firstPid);
    const [second] = await turn(target, 'b');
    expect(Number(textOf(second!.content))).not.toBe(firstPid);
  });

  it('close() stops the process and later turns fail', async ({ agent }) => {
    const target = agent({ command: node('counter.mjs'), readyPattern: '^READY$', reuse: true });
    await turn(target, 'a');
    const pid = target.pid!;
    expect(alive(pid)).toBe(true);
    await target.close();
    expect(alive(pid)).toBe(false);
    const error = await failure(target, 'b');
    expect(error.message).toContain('closed');
  });
});
