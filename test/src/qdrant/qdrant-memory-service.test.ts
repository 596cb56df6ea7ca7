import { randomUUID } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import {
  InternalError,
  InvalidArgumentError,
  createEvent,
  textOf,
  type Embedder,
  type Event,
  type Session,
} from '@ferrite/core';
import { memoryServiceContract } from '@ferrite/core/testing';
import { HashingEmbedder } from '@ferrite/memory';
import { QdrantMemoryService } from '@ferrite/memory/qdrant';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQdrantStandIn, type QdrantStandIn } from './qdrant-stand-in.js';

/** Where a suite runs: the stand-in, or a real Qdrant at QDRANT_URL. */
interface QdrantTarget {
  url(): string;
  apiKey?: string;
  /** The stand-in, when the target is one (its request log shows batching). */
  standIn?(): QdrantStandIn;
}

/** An embedder that records the size of each call. */
class CountingEmbedder implements Embedder {
  readonly calls: number[] = [];
  readonly #inner = new HashingEmbedder();
  readonly dimensions = this.#inner.dimensions;
  async embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]> {
    this.calls.push(texts.length);
    return this.#inner.embed(texts, options);
  }
}

let clock = 1_700_000_000_000;
function textEvent(text: string, author = 'user'): Event {
  return createEvent({
    author,
    invocationId: 'inv',
    timestamp: (clock += 1_000),
    content: { role: author === 'user' ? 'user' : 'model', parts: [{ text }] },
  });
}
function session(appName: string, id: string, events: Event[], userId = 'u1'): Session {
  return { id, appName, userId, state: {}, events, lastUpdateTime: clock, revision: events.length };
}

function qdrantSuite(label: string, target: QdrantTarget): void {
  const collections: string[] = [];
  const collectionName = () => {
    const name = `ferrite_test_${randomUUID().replaceAll('-', '')}`;
    collections.push(name);
    return name;
  };
  const client = () =>
    new QdrantClient({
      url: target.url(),
      checkCompatibility: false,
      ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    });
  const memory = (
    collection: string,
    extra: Partial<ConstructorParameters<typeof QdrantMemoryService>[0]> = {},
  ) =>
    new QdrantMemoryService({
      url: target.url(),
      ...(target.apiKey ? { apiKey: target.apiKey } : {}),
      collection,
      embedder: new HashingEmbedder(),
      ...extra,
    });
  const appName = () => `app-${randomUUID().slice(0, 8)}`;

  afterAll(async () => {
    if (target.standIn) return;
    for (const name of collections)
      await client()
        .deleteCollection(name)
        .catch(() => undefined);
  });

  let shared: string | undefined;
  memoryServiceContract(
    `QdrantMemoryService on ${label}`,
    { create: () => memory((shared ??= collectionName())) },
    { matching: 'semantic' },
  );

  describe(`QdrantMemoryService on ${label}`, () => {
    it('ranks a session about sunny weather in Lisbon above one about invoices', async () => {
      const service = memory(collectionName());
      const app = appName();
      await service.addSessionToMemory(
        session(app, 'invoices', [
          textEvent('Please send the invoices for March to accounting'),
          textEvent('The invoices are overdue, pay them by Friday', 'assistant'),
        ]),
      );
      await service.addSessionToMemory(
        session(app, 'lisbon', [
          textEvent('The weather in Lisbon was sunny and warm all week'),
          textEvent('Sunny weather in Lisbon makes a good trip', 'assistant'),
        ]),
      );
      const { memories } = await service.searchMemory({
        appName: app,
        userId: 'u1',
        query: 'what was the weather like',
      });
      expect(memories.length).toBeGreaterThan(0);
      expect(memories[0]!.id.startsWith('lisbon/')).toBe(true);
      expect(textOf(memories[0]!.content)).toMatch(/weather in Lisbon/);
      const lisbon = memories
        .filter((entry) => entry.id.startsWith('lisbon/'))
        .map((entry) => entry.score!);
      const invoices = memories
        .filter((entry) => entry.id.startsWith('invoices/'))
        .map((entry) => entry.score!);
      expect(Math.max(...lisbon)).toBeGreaterThan(Math.max(...invoices, -1));
    });

    it('re-adding a session upserts: the point count stays the same', async () => {
      const collection = collectionName();
      const service = memory(collection);
      const app = appName();
      const events = [
        textEvent('first note'),
        textEvent('second note'),
        textEvent('third note', 'agent'),
      ];
      await service.addSessionToMemory(session(app, 's1', events));
      const count = async () =>
        (
          await client().count(collection, {
            exact: true,
            filter: { must: [{ key: 'appName', match: { value: app } }] },
          })
        ).count;
      expect(await count()).toBe(3);
      await service.addSessionToMemory(session(app, 's1', events));
      await memory(collection).addSessionToMemory(session(app, 's1', events));
      expect(await count()).toBe(3);
      await service.addSessionToMemory(session(app, 's2', events));
      expect(await count()).toBe(6);
    });

    it('keeps apps and users apart even with the same session and event ids', async () => {
      const service = memory(collectionName());
      const [first, second] = [appName(), appName()];
      const events = [textEvent('shared event ids about budgets')];
      await service.addSessionToMemory(session(first, 's1', events, 'u1'));
      await service.addSessionToMemory(session(first, 's1', events, 'u2'));
      await service.addSessionToMemory(session(second, 's1', events, 'u1'));
      for (const [app, user] of [
        [first, 'u1'],
        [first, 'u2'],
        [second, 'u1'],
      ] as const) {
        const { memories } = await service.searchMemory({
          appName: app,
          userId: user,
          query: 'budgets',
        });
        expect(memories).toHaveLength(1);
      }
      expect(
        (await service.searchMemory({ appName: second, userId: 'u2', query: 'budgets' })).memories,
      ).toEqual([]);
    });

    it('drops results under scoreThreshold', async () => {
      const collection = collectionName();
      const app = appName();
      await memory(collection).addSessionToMemory(
        session(app, 's1', [
          textEvent('alpha beta gamma delta'),
          textEvent('alpha zeta eta theta iota'),
        ]),
      );
      const query = { appName: app, userId: 'u1', query: 'alpha beta gamma delta' };
      expect((await memory(collection).searchMemory(query)).memories).toHaveLength(2);
      const strict = await memory(collection, { scoreThreshold: 0.6 }).searchMemory(query);
      expect(strict.memories.map((entry) => textOf(entry.content))).toEqual([
        'alpha beta gamma delta',
      ]);
      expect(strict.memories[0]!.score).toBeGreaterThanOrEqual(0.6);
    });

    it('embeds and upserts a 500-event session in batches', async () => {
      const collection = collectionName();
      const embedder = new CountingEmbedder();
      const service = memory(collection, { embedder });
      const app = appName();
      const events = Array.from({ length: 500 }, (_, index) =>
        textEvent(`note ${index} about topic${index % 7}`),
      );
      const before = target.standIn?.().requests.length ?? 0;
      await service.addSessionToMemory(session(app, 'long', events));
      expect(embedder.calls.every((size) => size <= 64)).toBe(true);
      expect(embedder.calls.reduce((sum, size) => sum + size, 0)).toBe(500);
      expect(embedder.calls).toHaveLength(8);
      if (target.standIn) {
        const upserts = target
          .standIn()
          .requests.slice(before)
          .filter(
            (request) =>
              request.method === 'PUT' && request.path === `/collections/${collection}/points`,
          );
        expect(
          upserts.map((request) => (request.body as { points: unknown[] }).points.length),
        ).toEqual([256, 244]);
      }
      expect((await client().count(collection, { exact: true })).count).toBe(500);
      const { memories } = await service.searchMemory({
        appName: app,
        userId: 'u1',
        query: 'topic3',
        limit: 100,
      });
      expect(memories.length).toBeGreaterThanOrEqual(71);
      expect(memories.slice(0, 71).every((entry) => textOf(entry.content).endsWith('topic3'))).toBe(
        true,
      );
    });

    it("splits a session of large events into upserts under Qdrant's default request limit", async () => {
      const collection = collectionName();
      const app = appName();
      // 200 events of 100 KB: one 256-point upsert would carry about 40 MB (content and text),
      // over Qdrant's default limit of 32 MiB per request.
      const filler = 'lorem ipsum dolor sit amet '.repeat(3_800);
      const events = Array.from({ length: 200 }, (_, index) =>
        textEvent(`report ${index} ${filler}`),
      );
      const before = target.standIn?.().requests.length ?? 0;
      await memory(collection).addSessionToMemory(session(app, 'large', events));
      expect((await client().count(collection, { exact: true })).count).toBe(200);
      if (target.standIn) {
        const upserts = target
          .standIn()
          .requests.slice(before)
          .filter((request) => request.path === `/collections/${collection}/points`);
        expect(upserts.length).toBeGreaterThanOrEqual(3);
        for (const upsert of upserts) expect(upsert.bytes).toBeLessThanOrEqual(16 * 1024 * 1024);
      }
      const { memories } = await memory(collection).searchMemory({
        appName: app,
        userId: 'u1',
        query: 'report 7',
        limit: 1,
      });
      expect(textOf(memories[0]!.content).startsWith('report 7 ')).toBe(true);
    });

    it('finds nothing for a blank query or one without words, and ignores case and punctuation', async () => {
      const service = memory(collectionName());
      const app = appName();
      await service.addSessionToMemory(
        session(app, 's1', [
          textEvent('Hello, World! Café-au-lait?'),
          textEvent('unrelated shopping list'),
        ]),
      );
      for (const query of ['', '   ', '   ...   ', '?!']) {
        expect(
          (await service.searchMemory({ appName: app, userId: 'u1', query })).memories,
        ).toEqual([]);
      }
      const { memories } = await service.searchMemory({
        appName: app,
        userId: 'u1',
        query: 'HELLO world café',
      });
      expect(textOf(memories[0]!.content)).toBe('Hello, World! Café-au-lait?');
    });

    it('creates the collection and keyword indexes once, even when first uses race', async () => {
      const collection = collectionName();
      const app = appName();
      await Promise.all(
        Array.from({ length: 4 }, (_, index) =>
          memory(collection).addSessionToMemory(
            session(app, `s${index}`, [textEvent(`race ${index}`)]),
          ),
        ),
      );
      const info = await client().getCollection(collection);
      expect(info.config.params.vectors).toMatchObject({ size: 256, distance: 'Cosine' });
      expect(info.payload_schema['appName']?.data_type).toBe('keyword');
      expect(info.payload_schema['userId']?.data_type).toBe('keyword');
      expect((await client().count(collection, { exact: true })).count).toBe(4);
    });

    it('adds the payload indexes to an existing collection that lacks them', async () => {
      const collection = collectionName();
      await client().createCollection(collection, { vectors: { size: 256, distance: 'Cosine' } });
      await memory(collection).addSessionToMemory(
        session(appName(), 's1', [textEvent('indexed later')]),
      );
      const info = await client().getCollection(collection);
      expect(info.payload_schema['appName']?.data_type).toBe('keyword');
      expect(info.payload_schema['userId']?.data_type).toBe('keyword');
    });

    it('refuses a collection whose vector size differs from the embedder', async () => {
      const collection = collectionName();
      await client().createCollection(collection, { vectors: { size: 8, distance: 'Cosine' } });
      await expect(
        memory(collection).addSessionToMemory(session(appName(), 's1', [textEvent('x y z')])),
      ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    });

    it('validates names and limits before calling Qdrant', async () => {
      const service = memory(collectionName());
      await expect(
        service.searchMemory({ appName: 'a/b', userId: 'u1', query: 'x' }),
      ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
      await expect(
        service.searchMemory({ appName: 'app', userId: 'u1', query: 'x', limit: 0 }),
      ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
      await expect(
        service.addSessionToMemory(session('bad app', 's1', [textEvent('x')])),
      ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    });
  });
}

describe('QdrantMemoryService on the stand-in', () => {
  let standIn: QdrantStandIn;
  beforeAll(async () => {
    standIn = await startQdrantStandIn();
  });
  afterAll(async () => {
    await standIn?.close();
  });
  qdrantSuite('the Qdrant stand-in', { url: () => standIn.url, standIn: () => standIn });

  it('wraps Qdrant failures as InternalError, without the API key in the message', async () => {
    await using guarded = await startQdrantStandIn({ apiKey: 'the-right-key' });
    const service = new QdrantMemoryService({
      url: guarded.url,
      apiKey: 'a-wrong-secret-key',
      collection: 'memories',
      embedder: new HashingEmbedder(),
    });
    const failure = await service
      .addSessionToMemory(session('app', 's1', [textEvent('hello there')]))
      .catch((error: unknown) => error);
    expect(InternalError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('HTTP 401');
    expect((failure as Error).message).not.toContain('a-wrong-secret-key');
    expect((failure as InternalError).cause).toBeDefined();

    const down = new QdrantMemoryService({
      url: 'http://127.0.0.1:9',
      collection: 'memories',
      embedder: new HashingEmbedder(),
    });
    await expect(
      down.searchMemory({ appName: 'app', userId: 'u1', query: 'hello' }),
    ).rejects.toSatisfy((error) => InternalError.isInstance(error) && error.cause !== undefined);
  });
});

const qdrantUrl = process.env['QDRANT_URL'];
describe.skipIf(!qdrantUrl)(
  qdrantUrl
    ? 'QdrantMemoryService on QDRANT_URL'
    : 'QdrantMemoryService on QDRANT_URL (skipped: QDRANT_URL is not set)',
  () => {
    qdrantSuite('QDRANT_URL', {
      url: () => qdrantUrl!,
      ...(process.env['QDRANT_API_KEY'] ? { apiKey: process.env['QDRANT_API_KEY'] } : {}),
    });
  },
);
