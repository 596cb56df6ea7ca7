import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { SessionBusyError, userContent, type Content, type SessionLockLease } from '@ferrite/core';
import { abortableDelay, sessionRunLockContract, untilAborted } from '@ferrite/core/testing';
import { InProcessSessionLock, runToArray } from '../index.js';
import { TestAgent, collect, makeRunner, say } from '../testing/runner-fixtures.js';

sessionRunLockContract('InProcessSessionLock', { create: () => new InProcessSessionLock() });

describe('InProcessSessionLock', () => {
  const key = { appName: 'app', userId: 'u1', sessionId: 's1' };
  const holder = { interrupt() {} };

  it('grants an uncontended session synchronously, and a contended one through a promise', async () => {
    const lock = new InProcessSessionLock();
    const first = lock.acquire(key, { mode: 'queue', holder });
    expect(first).not.toBeInstanceOf(Promise);
    const second = lock.acquire(key, { mode: 'queue', holder });
    expect(second).toBeInstanceOf(Promise);
    await (first as SessionLockLease).release();
    await (await second).release();
    expect(lock.isBusy(key)).toBe(false);
  });

  it("throws SessionBusyError synchronously in 'reject' mode", () => {
    const lock = new InProcessSessionLock();
    expect(lock.acquire(key, { mode: 'reject', holder })).not.toBeInstanceOf(Promise);
    expect(() => lock.acquire(key, { mode: 'reject', holder })).toThrow(SessionBusyError);
  });
});

describe('same-session runs', () => {
  const slowAgent = (log: string[]) =>
    new TestAgent('root', async function* (ctx) {
      const text = ctx.userContent.parts[0]!.text!;
      log.push(`start ${text}`);
      await abortableDelay(20, ctx.signal);
      log.push(`end ${text}`);
      yield say(`reply ${text}`);
    });

  it("'queue' runs them one after the other, in subscription order", async () => {
    const log: string[] = [];
    const { runner, stored } = makeRunner(slowAgent(log));
    await Promise.all(
      ['a', 'b', 'c'].map((text) => runToArray(runner.run('u1', 's1', userContent(text)))),
    );
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect((await stored()).map((e) => e.content!.parts[0]!.text)).toEqual([
      'a',
      'reply a',
      'b',
      'reply b',
      'c',
      'reply c',
    ]);
  });

  it("'reject' errors the second run with SessionBusyError while the first runs", async () => {
    const log: string[] = [];
    const { runner, stored } = makeRunner(slowAgent(log), { runConfig: { concurrency: 'reject' } });
    const first = collect(runner.run('u1', 's1', userContent('a')));
    const second = await collect(runner.run('u1', 's1', userContent('b')));
    expect(SessionBusyError.isInstance(second.error)).toBe(true);
    expect((await first).completed).toBe(true);
    expect(await stored()).toHaveLength(2);
    // once the first is done the session is free again at once
    expect((await collect(runner.run('u1', 's1', userContent('c')))).completed).toBe(true);
  });

  it("'interrupt' cuts the running turn, keeps what it stored, and runs right after it", async () => {
    const log: string[] = [];
    const agent = new TestAgent('root', async function* (ctx) {
      const text = ctx.userContent.parts[0]!.text!;
      log.push(`start ${text}`);
      yield say(`first ${text}`);
      if (text === 'a') await untilAborted(ctx.signal);
      log.push(`end ${text}`);
      yield say(`reply ${text}`);
    });
    const { runner, stored } = makeRunner(agent, { runConfig: { concurrency: 'interrupt' } });
    const first = collect(runner.run('u1', 's1', userContent('a')));
    while ((await stored()).length < 2) await abortableDelay(2);
    const second = await collect(runner.run('u1', 's1', userContent('b')));
    expect(second.completed).toBe(true);
    const cut = await first;
    expect(cut.completed).toBe(true);
    expect(cut.events.map((e) => e.content!.parts[0]!.text)).toEqual(['first a']);
    expect(log).toEqual(['start a', 'start b', 'end b']);
    expect((await stored()).map((e) => e.content!.parts[0]!.text)).toEqual([
      'a',
      'first a',
      'b',
      'first b',
      'reply b',
    ]);
  });

  it('a queued run that is unsubscribed never runs', async () => {
    const log: string[] = [];
    const { runner, stored } = makeRunner(slowAgent(log));
    const first = collect(runner.run('u1', 's1', userContent('a')));
    const queued = runner.run('u1', 's1', userContent('b')).subscribe();
    queued.unsubscribe();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(log).toEqual(['start a', 'end a']);
    expect(await stored()).toHaveLength(2);
    expect(runner.isRunning('u1', 's1')).toBe(false);
  });

  it('runs 100 sessions fully in parallel', async () => {
    let active = 0;
    let peak = 0;
    let openGate!: () => void;
    const allStarted = new Promise<void>((resolve) => (openGate = resolve));
    // Every agent waits until all 100 are running at once (or 5 s pass, and the test fails).
    const fallback = setTimeout(openGate, 5000);
    const agent = new TestAgent('root', async function* (ctx) {
      active += 1;
      peak = Math.max(peak, active);
      if (active === 100) openGate();
      await allStarted;
      active -= 1;
      yield say(`done ${ctx.session.id}`);
    });
    const { runner, stored } = makeRunner(agent);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        runToArray(runner.run(`user${i % 10}`, `s${i}`, userContent('go'))),
      ),
    );
    clearTimeout(fallback);
    expect(peak).toBe(100);
    expect(results.every((events) => events.length === 1)).toBe(true);
    expect((await stored('user3', 's13')).map((e) => e.author)).toEqual(['user', 'root']);
  });
});

describe('runLive', () => {
  it('runs each incoming message as a turn, in order, on the same session', async () => {
    const seen: string[] = [];
    const agent = new TestAgent('root', async function* (ctx) {
      seen.push(`${ctx.runConfig.streamingMode}:${ctx.userContent.parts[0]!.text!}`);
      await abortableDelay(5, ctx.signal);
      yield say(`echo ${ctx.userContent.parts[0]!.text!}`);
    });
    const { runner, stored } = makeRunner(agent);
    const input = new Subject<Content>();
    const done = runToArray(runner.runLive('u1', 's1', input));
    input.next(userContent('one'));
    input.next(userContent('two'));
    input.next(userContent('three'));
    input.complete();
    const events = await done;
    expect(events.map((e) => e.content!.parts[0]!.text)).toEqual([
      'echo one',
      'echo two',
      'echo three',
    ]);
    expect(seen).toEqual(['bidi:one', 'bidi:two', 'bidi:three']);
    expect(await stored()).toHaveLength(6);
    expect(new Set(events.map((e) => e.invocationId)).size).toBe(3);
  });
});
