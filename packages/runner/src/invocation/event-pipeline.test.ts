import { describe, expect, it } from 'vitest';
import type { Subscriber } from 'rxjs';
import {
  createEvent,
  resolveRunConfig,
  type AppendEventOptions,
  type Event,
  type Session,
} from '@ferrite/core';
import { InMemorySessionService } from '../testing/runner-fixtures.js';
import { EventPipeline } from './event-pipeline.js';
import { Invocation } from './invocation.js';
import { RunGuards } from './run-guards.js';
import type { RunRequest, RunnerParts } from './run-request.js';

/** The in-memory store, each append taking a timer tick, counting appends running at once. */
class SlowSessionService extends InMemorySessionService {
  running = 0;
  mostAtOnce = 0;

  override async appendEvent(options: AppendEventOptions): Promise<Event> {
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return await super.appendEvent(options);
    } finally {
      this.running -= 1;
    }
  }
}

async function pipeline(): Promise<{
  pipeline: EventPipeline;
  store: SlowSessionService;
  session: Session;
}> {
  const store = new SlowSessionService();
  const session = await store.createSession({ appName: 'app', userId: 'u1', sessionId: 's1' });
  const runConfig = resolveRunConfig({});
  const subscriber = { closed: false, next: () => undefined } as unknown as Subscriber<Event>;
  const control = new Invocation({} as RunnerParts, { runConfig } as RunRequest, subscriber);
  return {
    pipeline: new EventPipeline({
      control,
      session,
      sessionService: store,
      subscriber,
      guards: new RunGuards(runConfig),
      plugins: [],
      streamingMode: runConfig.streamingMode,
    }),
    store,
    session,
  };
}

const event = (id: string): Event => createEvent({ id, author: 'agent' });

describe('EventPipeline.append', () => {
  it('stores appends started together one at a time, in the order they were started', async () => {
    const { pipeline: events, store, session } = await pipeline();
    const stored = await Promise.all(
      ['a', 'b', 'c'].map((id) => Promise.resolve(events.append(event(id)))),
    );
    expect(stored.map((each) => each.id)).toEqual(['a', 'b', 'c']);
    expect(store.mostAtOnce).toBe(1);
    // With nothing in flight, a later append starts at once and is stored after them.
    await events.append(event('d'));
    const read = await store.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' });
    expect(read!.events.map((each) => each.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(session.revision).toBe(4);
    expect(store.mostAtOnce).toBe(1);
  });

  it('goes on with the appends queued behind one that fails', async () => {
    const { pipeline: events, store } = await pipeline();
    await events.append(event('a'));
    const results = await Promise.allSettled(
      ['b', 'a', 'c'].map((id) => Promise.resolve(events.append(event(id)))),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'invalid_argument',
    });
    const read = await store.getSession({ appName: 'app', userId: 'u1', sessionId: 's1' });
    expect(read!.events.map((each) => each.id)).toEqual(['a', 'b', 'c']);
    expect(store.mostAtOnce).toBe(1);
  });
});
