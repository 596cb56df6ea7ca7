import { InvalidArgumentError, type Embedder } from '@ferrite/core';
import { tokenizeWords } from '../text/tokenize-words.js';

/** Configuration of {@link HashingEmbedder}. */
export interface HashingEmbedderConfig {
  /** Length of every vector (default 256). */
  dimensions?: number;
}

/**
 * An offline, deterministic {@link Embedder}: each distinct word of a text is hashed to one of
 * `dimensions` buckets with a hashed sign, and the vector is L2-normalised, so cosine similarity
 * approximates word overlap. A text without words gives the zero vector.
 *
 * @example
 * ```ts
 * const embedder = new HashingEmbedder({ dimensions: 256 });
 * const [vector] = await embedder.embed(['red apple pie']);
 * ```
 */
export class HashingEmbedder implements Embedder {
  /** Length of every vector. */
  readonly dimensions: number;

  constructor(config: HashingEmbedderConfig = {}) {
    const dimensions = config.dimensions ?? 256;
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new InvalidArgumentError(
        `HashingEmbedder dimensions must be a positive integer, got ${String(dimensions)}`,
      );
    }
    this.dimensions = dimensions;
  }

  /** One vector per text, in order. */
  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<number[][]> {
    options.signal?.throwIfAborted();
    return texts.map((text) => this.embedOne(text));
  }

  /** The vector of one text, synchronously. */
  embedOne(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    for (const word of new Set(tokenizeWords(text))) {
      const hash = hashWord(word);
      // Low bits choose the bucket, the top bit the sign, so collisions cancel out on average.
      vector[hash % this.dimensions]! += hash & 0x8000_0000 ? -1 : 1;
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    if (norm === 0) return vector;
    const scale = 1 / Math.sqrt(norm);
    return vector.map((value) => value * scale);
  }
}

/** FNV-1a over UTF-16 code units with a murmur3 finaliser, as an unsigned 32-bit integer. */
function hashWord(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    hash ^= word.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
