import {
  InvalidArgumentError,
  validateName,
  type MemoryEntry,
  type MemoryService,
  type SearchMemoryOptions,
  type SearchMemoryResult,
  type Session,
} from '@ferrite/core';
import { memoryTextOf } from '../text/memory-text.js';
import { tokenizeWords } from '../text/tokenize-words.js';

interface StoredEntry {
  readonly entry: MemoryEntry;
  readonly words: ReadonlySet<string>;
}

/** Default number of memories a search returns. */
const DEFAULT_LIMIT = 10;

/**
 * The embedded default {@link MemoryService}: remembers text events in process memory and
 * finds them by word overlap (case-insensitive, punctuation ignored); the score is the number
 * of distinct query words an entry contains.
 *
 * @example
 * ```ts
 * const memory = new InMemoryMemoryService();
 * await memory.addSessionToMemory(session);
 * const { memories } = await memory.searchMemory({ appName: 'shop', userId: 'ana', query: 'delivery address' });
 * ```
 */
export class InMemoryMemoryService implements MemoryService {
  /** (app, user) -> (session, event id) -> entry. */
  readonly #users = new Map<string, Map<string, StoredEntry>>();

  /** Remembers the session's text events; an event already remembered is replaced, not added twice. */
  async addSessionToMemory(session: Session): Promise<void> {
    const appName = validateName('appName', session.appName);
    const userId = validateName('userId', session.userId);
    const sessionId = validateName('sessionId', session.id);
    const entries = [];
    for (const event of session.events) {
      const text = memoryTextOf(event);
      if (text === undefined || !event.content) continue;
      const id = `${sessionId}/${event.id}`;
      const entry: MemoryEntry = {
        id,
        content: structuredClone(event.content),
        author: event.author,
        timestamp: event.timestamp,
      };
      entries.push({ id, stored: { entry, words: new Set(tokenizeWords(text)) } });
    }
    const key = userKey(appName, userId);
    let user = this.#users.get(key);
    if (!user) {
      user = new Map();
      this.#users.set(key, user);
    }
    for (const { id, stored } of entries) user.set(id, stored);
  }

  /** Entries sharing at least one word with the query, most shared words first, then newest. */
  async searchMemory(options: SearchMemoryOptions): Promise<SearchMemoryResult> {
    const appName = validateName('appName', options.appName);
    const userId = validateName('userId', options.userId);
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}`);
    }
    options.signal?.throwIfAborted();
    const queryWords = new Set(tokenizeWords(options.query ?? ''));
    const user = this.#users.get(userKey(appName, userId));
    if (!user || queryWords.size === 0) return { memories: [] };
    const hits: { stored: StoredEntry; score: number }[] = [];
    for (const stored of user.values()) {
      let score = 0;
      for (const word of queryWords) if (stored.words.has(word)) score++;
      if (score > 0) hits.push({ stored, score });
    }
    hits.sort(
      (a, b) =>
        b.score - a.score ||
        (b.stored.entry.timestamp ?? 0) - (a.stored.entry.timestamp ?? 0) ||
        (a.stored.entry.id < b.stored.entry.id ? -1 : 1),
    );
    return {
      memories: hits
        .slice(0, limit)
        .map(({ stored, score }) => ({ ...structuredClone(stored.entry), score })),
    };
  }
}

function userKey(appName: string, userId: string): string {
  return `${appName}\0${userId}`;
}
