import type {
  MemoryEntry,
  MemoryService,
  SearchMemoryOptions,
  SearchMemoryResult,
  Session,
} from '@ferrite/core';
import { memoryServiceContract } from '@ferrite/core/testing';
import { describe, expect, it } from 'vitest';
import { HashingEmbedder } from '../index.js';
import { memoryTextOf } from '../internal/index.js';

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);

describe('HashingEmbedder', () => {
  it('is deterministic, L2-normalised and of the configured size', async () => {
    const embedder = new HashingEmbedder({ dimensions: 64 });
    const [first, second] = await embedder.embed(['Red apple pie', 'red, APPLE pie!']);
    expect(first).toHaveLength(64);
    expect(first).toEqual(second);
    expect(cosine(first!, first!)).toBeCloseTo(1, 10);
    expect(new HashingEmbedder().dimensions).toBe(256);
    expect(await new HashingEmbedder({ dimensions: 64 }).embed(['red apple pie'])).toEqual([first]);
  });

  it('ranks texts by shared words through cosine similarity', async () => {
    const embedder = new HashingEmbedder();
    const [query, all, two, one, none] = await embedder.embed([
      'red apple pie',
      'red apple pie recipe',
      'red apple tart',
      'red car',
      'blue whale',
    ]);
    const scores = [all, two, one, none].map((vector) => cosine(query!, vector!));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]).toBeGreaterThan(0.8);
  });

  it('gives the zero vector for a text without words and rejects bad sizes', async () => {
    expect(await new HashingEmbedder({ dimensions: 4 }).embed(['...'])).toEqual([[0, 0, 0, 0]]);
    expect(() => new HashingEmbedder({ dimensions: 0 })).toThrow(/dimensions/);
    const aborted = AbortSignal.abort();
    await expect(new HashingEmbedder().embed(['x'], { signal: aborted })).rejects.toThrow();
  });
});

/**
 * A brute-force cosine store over {@link HashingEmbedder}: it checks that the memory contract's
 * semantic expectations hold for a vector backend, where no vector database can run in this
 * process. It is a test double, not a product.
 */
class CosineMemoryService implements MemoryService {
  readonly #points = new Map<string, { scope: string; vector: number[]; entry: MemoryEntry }>();
  readonly #embedder = new HashingEmbedder();

  async addSessionToMemory(session: Session): Promise<void> {
    for (const event of session.events) {
      const text = memoryTextOf(event);
      if (text === undefined) continue;
      const [vector] = await this.#embedder.embed([text]);
      const id = `${session.appName}/${session.userId}/${session.id}/${event.id}`;
      this.#points.set(id, {
        scope: `${session.appName}/${session.userId}`,
        vector: vector!,
        entry: { id, content: event.content!, author: event.author, timestamp: event.timestamp },
      });
    }
  }

  async searchMemory(options: SearchMemoryOptions): Promise<SearchMemoryResult> {
    const [query] = await this.#embedder.embed([options.query]);
    const scope = `${options.appName}/${options.userId}`;
    const memories = [...this.#points.values()]
      .filter((point) => point.scope === scope)
      .map((point) => ({ ...point.entry, score: cosine(query!, point.vector) }))
      .sort((a, b) => b.score - a.score);
    return { memories: memories.slice(0, options.limit ?? 10) };
  }
}

// A vector store ranks every stored entry by similarity, so the contract reports its three
// lexical-only cases as skipped, each name ending "[needs lexical matching]": finding nothing for
// a query sharing no word, exact word matching, and integer overlap scores. Their semantic
// counterparts (a blank or wordless query finds nothing; case and punctuation do not matter) are
// tested on QdrantMemoryService in test/src/qdrant.
memoryServiceContract(
  'cosine store over HashingEmbedder',
  { create: () => new CosineMemoryService() },
  { matching: 'semantic' },
);
