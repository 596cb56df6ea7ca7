import type { Content } from '../types/content.js';
import type { Session } from '../types/session.js';

/** One remembered piece of a past conversation. */
export interface MemoryEntry {
  id: string;
  content: Content;
  author?: string;
  timestamp?: number;
  /** Higher is better; every built-in service sets it. */
  score?: number;
}

/** Input of {@link MemoryService.searchMemory}. */
export interface SearchMemoryOptions {
  appName: string;
  userId: string;
  query: string;
  /** Default 10. */
  limit?: number;
  signal?: AbortSignal;
}

/** Answer of {@link MemoryService.searchMemory}. */
export interface SearchMemoryResult {
  /** Best first. */
  memories: MemoryEntry[];
}

/** Long-term memory across sessions, scoped per app and user (SPEC §5). */
export interface MemoryService {
  /** Remembers the session's text events; re-adding adds nothing twice. */
  addSessionToMemory(session: Session): Promise<void>;
  /** The user's memories that best match `query`, best first (default limit 10). */
  searchMemory(options: SearchMemoryOptions): Promise<SearchMemoryResult>;
}

/** Turns texts into vectors for semantic memory. */
export interface Embedder {
  /** Length of every vector this embedder returns. */
  readonly dimensions: number;
  /** One vector per text, in the order of `texts`. */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}
