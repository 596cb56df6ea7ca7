import type { Event } from '../types/event.js';
import type { Session } from '../types/session.js';

/** Input of {@link SessionService.createSession}. */
export interface CreateSessionOptions {
  appName: string;
  userId: string;
  /** A fresh UUID when absent. */
  sessionId?: string;
  /** Initial state; `app:`/`user:` keys go to their tiers, `temp:` keys are dropped. */
  state?: Record<string, unknown>;
}

/** Input of {@link SessionService.getSession}. */
export interface GetSessionOptions {
  appName: string;
  userId: string;
  sessionId: string;
  /** Keep only the newest n events (0 gives none). */
  numRecentEvents?: number;
  /** Keep only events with `timestamp >= afterTimestamp`. */
  afterTimestamp?: number;
}

/** Input of {@link SessionService.listSessions}. */
export interface ListSessionsOptions {
  appName: string;
  /** All users when absent. */
  userId?: string;
  /** 1–1000, default 100. */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** A page of {@link SessionService.listSessions}. */
export interface ListSessionsResult {
  /** Sessions without events, newest `lastUpdateTime` first. */
  sessions: Session[];
  /** Present when there may be more sessions. */
  nextCursor?: string;
}

/** Input of {@link SessionService.deleteSession}. */
export interface DeleteSessionOptions {
  appName: string;
  userId: string;
  sessionId: string;
}

/** Input of {@link SessionService.appendEvent}. */
export interface AppendEventOptions {
  /** The session as the caller last saw it; its `revision` is checked and it is updated in place. */
  session: Session;
  event: Event;
}

/** Stores sessions, their events and the app, user and session state tiers (SPEC §3). */
export interface SessionService {
  /** Creates a session (a fresh UUID when no id is given); an existing id is {@link SessionExistsError}. */
  createSession(options: CreateSessionOptions): Promise<Session>;
  /** Undefined when the session does not exist. */
  getSession(options: GetSessionOptions): Promise<Session | undefined>;
  /** One page of sessions without their events, newest `lastUpdateTime` first. */
  listSessions(options: ListSessionsOptions): Promise<ListSessionsResult>;
  /** Idempotent; the app and user tiers stay. */
  deleteSession(options: DeleteSessionOptions): Promise<void>;
  /**
   * Stores a non-partial event and applies its state delta, atomically, if `session.revision`
   * is current (else {@link StaleSessionError}); returns the stored, frozen event.
   */
  appendEvent(options: AppendEventOptions): Promise<Event>;
}
