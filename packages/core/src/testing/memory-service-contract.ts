import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryEntry, MemoryService } from '../services/memory-service.js';
import { textOf, type Content } from '../types/content.js';
import { createEvent, type Event } from '../types/event.js';
import type { Session } from '../types/session.js';
import type { ContractFactory } from './contract-factory.js';
import { randomAppName } from './expect-ferrite-error.js';

/** What kind of matching a memory service does; some expectations hold only for one kind. */
export interface MemoryContractOptions {
  /**
   * `'lexical'`: only entries sharing a word with the query are found, scored by shared words
   * (the in-memory service). `'semantic'`: entries are ranked by vector similarity and any
   * stored entry may come back (Qdrant with an embedder). Lexical-only cases are reported as
   * skipped, with the reason in their name, for a semantic service.
   */
  matching: 'lexical' | 'semantic';
}

/**
 * The behaviour every {@link MemoryService} must show (SPEC §5 and §12), as a vitest suite.
 * Each test uses its own random app name, so the factory may hand out one shared store.
 *
 * @example
 * ```ts
 * memoryServiceContract('InMemoryMemoryService', { create: () => new InMemoryMemoryService() }, { matching: 'lexical' });
 * ```
 */
export function memoryServiceContract(
  name: string,
  factory: ContractFactory<MemoryService>,
  options: MemoryContractOptions,
): void {
  const lexical = options.matching === 'lexical';
  const lexicalOnly = (title: string, test: () => Promise<void>) =>
    lexical ? it(title, test) : it.skip(`${title} [needs lexical matching]`, test);

  describe(`MemoryService contract: ${name} (${options.matching})`, () => {
    let service: MemoryService;
    let appName: string;
    let clock: number;

    beforeEach(async () => {
      service = await factory.create();
      appName = randomAppName();
      clock = 1_700_000_000_000;
    });
    afterEach(async () => {
      await factory.dispose?.(service);
    });

    const textEvent = (text: string, author = 'user'): Event =>
      createEvent({
        author,
        invocationId: 'inv-1',
        timestamp: (clock += 1_000),
        content: { role: author === 'user' ? 'user' : 'model', parts: [{ text }] },
      });
    const session = (events: Event[], userId = 'u1', id = 's1', app = appName): Session => ({
      id,
      appName: app,
      userId,
      state: {},
      events,
      lastUpdateTime: clock,
      revision: events.length,
    });
    const search = async (query: string, limit?: number, userId = 'u1', app = appName) =>
      (await service.searchMemory({ appName: app, userId, query, limit })).memories;
    const texts = (memories: MemoryEntry[]) => memories.map((memory) => textOf(memory.content));

    it('finds nothing for a user with no memories', async () => {
      expect(await search('anything at all')).toEqual([]);
    });

    it('remembers only events with text content', async () => {
      const events: Event[] = [
        textEvent('alpha one'),
        createEvent({
          author: 'agent',
          timestamp: (clock += 1_000),
          content: {
            role: 'model',
            parts: [{ functionCall: { id: 'c1', name: 'alpha', args: { q: 'alpha' } } }],
          },
        }),
        createEvent({
          author: 'agent',
          timestamp: (clock += 1_000),
          content: {
            role: 'model',
            parts: [{ inlineData: { mimeType: 'image/png', data: 'AA==' } }],
          },
        }),
        createEvent({ author: 'agent', timestamp: (clock += 1_000) }),
        textEvent('alpha two', 'agent'),
      ];
      await service.addSessionToMemory(session(events));
      const memories = await search('alpha', 100);
      expect(texts(memories).sort()).toEqual(['alpha one', 'alpha two']);
    });

    it('remembers events of every author, with author, timestamp and content', async () => {
      const fromUser = textEvent('orbit of mars', 'user');
      const fromAgent = textEvent('orbit of venus', 'planner');
      await service.addSessionToMemory(session([fromUser, fromAgent]));
      const memories = await search('orbit', 100);
      expect(memories).toHaveLength(2);
      const byAuthor = new Map(memories.map((memory) => [memory.author, memory]));
      expect(byAuthor.get('user')).toMatchObject({
        timestamp: fromUser.timestamp,
        content: fromUser.content as Content,
      });
      expect(byAuthor.get('planner')).toMatchObject({
        timestamp: fromAgent.timestamp,
        content: fromAgent.content as Content,
      });
      expect(new Set(memories.map((memory) => memory.id)).size).toBe(2);
    });

    it('gives every result a numeric score, best first', async () => {
      await service.addSessionToMemory(
        session([
          textEvent('red car in the garage'),
          textEvent('red apple pie recipe'),
          textEvent('red apple tart'),
        ]),
      );
      const memories = await search('red apple pie', 100);
      expect(memories.length).toBeGreaterThanOrEqual(3);
      for (const memory of memories) expect(typeof memory.score).toBe('number');
      const scores = memories.map((memory) => memory.score!);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(texts(memories).slice(0, 3)).toEqual([
        'red apple pie recipe',
        'red apple tart',
        'red car in the garage',
      ]);
    });

    it('scopes search to the app and user', async () => {
      await service.addSessionToMemory(session([textEvent('secret plan for u1')], 'u1'));
      await service.addSessionToMemory(session([textEvent('secret plan for u2')], 'u2'));
      const otherApp = randomAppName();
      await service.addSessionToMemory(
        session([textEvent('secret plan for other app')], 'u1', 's1', otherApp),
      );
      expect(texts(await search('secret plan', 100, 'u1'))).toEqual(['secret plan for u1']);
      expect(texts(await search('secret plan', 100, 'u2'))).toEqual(['secret plan for u2']);
      expect(texts(await search('secret plan', 100, 'u1', otherApp))).toEqual([
        'secret plan for other app',
      ]);
      expect(await search('secret plan', 100, 'u3')).toEqual([]);
    });

    it('returns 10 results by default, and honours an explicit limit', async () => {
      const events = Array.from({ length: 15 }, (_, i) => textEvent(`weather report number ${i}`));
      await service.addSessionToMemory(session(events));
      expect(await search('weather report')).toHaveLength(10);
      expect(await search('weather report', 3)).toHaveLength(3);
      expect(await search('weather report', 100)).toHaveLength(15);
    });

    it('adds nothing twice when a session is added again, and only new events later', async () => {
      const events = [textEvent('garden tomato'), textEvent('garden basil')];
      await service.addSessionToMemory(session(events));
      await service.addSessionToMemory(session(events));
      expect(await search('garden', 100)).toHaveLength(2);
      events.push(textEvent('garden mint'));
      await service.addSessionToMemory(session(events));
      const memories = await search('garden', 100);
      expect(texts(memories).sort()).toEqual(['garden basil', 'garden mint', 'garden tomato']);
    });

    it('remembers sessions of one user separately, all searchable together', async () => {
      await service.addSessionToMemory(session([textEvent('river trip')], 'u1', 's1'));
      await service.addSessionToMemory(session([textEvent('river fishing')], 'u1', 's2'));
      expect(texts(await search('river', 100)).sort()).toEqual(['river fishing', 'river trip']);
    });

    lexicalOnly('finds nothing for a query that shares no word', async () => {
      await service.addSessionToMemory(session([textEvent('blue whale migration')]));
      expect(await search('mountain bicycle')).toEqual([]);
      expect(await search('   ...   ')).toEqual([]);
    });

    lexicalOnly('matches words case-insensitively, ignoring punctuation', async () => {
      await service.addSessionToMemory(session([textEvent('Hello, World! Café-au-lait?')]));
      expect(texts(await search('HELLO world'))).toEqual(['Hello, World! Café-au-lait?']);
      expect(texts(await search('café'))).toHaveLength(1);
      expect(await search('hell')).toEqual([]);
    });

    lexicalOnly('scores by the number of distinct query words an entry holds', async () => {
      await service.addSessionToMemory(
        session([textEvent('one two three'), textEvent('one one one'), textEvent('two four')]),
      );
      const memories = await search('one two two three');
      const scored = memories.map((memory) => [textOf(memory.content), memory.score]);
      expect(scored[0]).toEqual(['one two three', 3]);
      expect(scored.slice(1).sort()).toEqual([
        ['one one one', 1],
        ['two four', 1],
      ]);
    });
  });
}
