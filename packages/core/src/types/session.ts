import type { Event } from './event.js';

/** A conversation of one user with one app: its events and its merged state. */
export interface Session {
  id: string;
  appName: string;
  userId: string;
  /** Merged view: `app:`, `user:`, session keys and (during a run) `temp:` keys. */
  state: Record<string, unknown>;
  /** Oldest first. */
  events: Event[];
  /** Timestamp of the last appended event (creation time when there is none). */
  lastUpdateTime: number;
  /** Optimistic-concurrency token: incremented by every stored append. */
  revision: number;
}
