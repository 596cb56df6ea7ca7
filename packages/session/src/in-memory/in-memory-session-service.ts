import { randomUUID } from 'node:crypto';
import {
  InvalidArgumentError,
  SessionExistsError,
  SessionNotFoundError,
  StaleSessionError,
  splitStateDelta,
  validateName,
  type AppendEventOptions,
  type CreateSessionOptions,
  type DeleteSessionOptions,
  type Event,
  type GetSessionOptions,
  type ListSessionsOptions,
  type ListSessionsResult,
  type Session,
  type SessionService,
  type StateTiers,
} from '@ferrite/core';
import {
  resolveListLimit,
  toStorable,
  toStorableEvent,
  validateEventFilters,
} from '../validation/session-options.js';
import {
  compareSessionPositions,
  decodeSessionCursor,
  encodeSessionCursor,
} from '../validation/session-cursor.js';
import {
  APPEND_NOW,
  LOAD_FOR_RUN,
  eventsView,
  extendView,
  viewStateOf,
} from './run-events-view.js';

interface StoredSession {
  readonly id: string;
  readonly appName: string;
  readonly userId: string;
  /** Session-tier keys only; app and user keys live in their tiers. */
  state: Record<string, unknown>;
  /** Frozen, so reads share them and copy only the array. */
  readonly events: Readonly<Event>[];
  /** Ids of the events, made once the session outgrows a scan (see {@link holdsEvent}). */
  eventIds: Set<string> | undefined;
  revision: number;
  lastUpdateTime: number;
}

interface UserStore {
  state: Record<string, unknown>;
  readonly sessions: Map<string, StoredSession>;
}

interface AppStore {
  state: Record<string, unknown>;
  readonly users: Map<string, UserStore>;
}

/**
 * The embedded default {@link SessionService}: everything lives in process memory and is lost
 * when the process ends. Reads cost what they return, not the length of the history.
 *
 * @example
 * ```ts
 * const sessions = new InMemorySessionService();
 * const session = await sessions.createSession({ appName: 'shop', userId: 'ana' });
 * await sessions.appendEvent({ session, event: createEvent({ author: 'user', content: userContent('hi') }) });
 * ```
 */
export class InMemorySessionService implements SessionService {
  readonly #apps = new Map<string, AppStore>();

  /** Creates a session; `app:`/`user:` keys of `state` go to their tiers, `temp:` keys are dropped. */
  async createSession(options: CreateSessionOptions): Promise<Session> {
    const appName = validateName('appName', options.appName);
    const userId = validateName('userId', options.userId);
    const id =
      options.sessionId === undefined ? randomUUID() : validateName('sessionId', options.sessionId);
    const tiers =
      options.state === undefined || options.state === null
        ? NO_TIERS
        : splitStateDelta(toStorable(options.state, 'initial state'));
    const app = this.#appStore(appName);
    let userStore = app.users.get(userId);
    if (userStore?.sessions.has(id)) {
      throw new SessionExistsError(`session ${id} already exists for user ${userId} of ${appName}`);
    }
    if (!userStore) {
      userStore = { state: {}, sessions: new Map() };
      app.users.set(userId, userStore);
    }
    if (tiers !== NO_TIERS) {
      Object.assign(app.state, tiers.app);
      Object.assign(userStore.state, tiers.user);
    }
    const stored: StoredSession = {
      id,
      appName,
      userId,
      state: tiers === NO_TIERS ? {} : tiers.session,
      events: [],
      eventIds: undefined,
      revision: 0,
      lastUpdateTime: Date.now(),
    };
    userStore.sessions.set(id, stored);
    return this.#toSession(stored, [], userStore, app);
  }

  /** The session with the current app and user tiers merged in, or undefined when missing. */
  async getSession(options: GetSessionOptions): Promise<Session | undefined> {
    const { appName, userId, sessionId } = validateKey(options);
    const { numRecentEvents, afterTimestamp } = options;
    validateEventFilters(numRecentEvents, afterTimestamp);
    const stored = this.#find(appName, userId, sessionId);
    if (!stored) return undefined;
    let events: readonly Readonly<Event>[] = stored.events;
    if (afterTimestamp !== undefined) {
      events = events.filter((event) => event.timestamp >= afterTimestamp);
    }
    if (numRecentEvents !== undefined) {
      events = numRecentEvents === 0 ? [] : events.slice(-numRecentEvents);
    } else if (events === stored.events) {
      events = copyWithRoom(events);
    }
    return this.#toSession(stored, events as Event[]);
  }

  /**
   * The session for one run of the runner (internal), read at once (no promise, unless a filter
   * sends it through {@link getSession}): as `getSession` without filters, except that its
   * `events` are read-only and never a copy of the events themselves (see below). Appends made
   * with this session through this service extend them; events stored by anyone else stay out
   * (the session's revision is then stale). Malformed names throw, as `getSession` rejects.
   */
  [LOAD_FOR_RUN](options: GetSessionOptions): Session | undefined | Promise<Session | undefined> {
    if (options.numRecentEvents !== undefined || options.afterTimestamp !== undefined) {
      return this.getSession(options);
    }
    const { appName, userId, sessionId } = validateKey(options);
    const stored = this.#find(appName, userId, sessionId);
    if (!stored) return undefined;
    // A short history is a frozen copy (a few pointers, read at full speed); a long one is
    // shared through a view, whose every read goes through a proxy trap: that only pays once a
    // copy would cost more. Both are read-only, and both grow with this session's appends.
    const events =
      stored.events.length <= COPIED_FOR_RUN
        ? Object.freeze(stored.events.slice())
        : eventsView(stored.events, stored.events.length);
    return this.#toSession(stored, events as Event[]);
  }

  /** Sessions without events, newest `lastUpdateTime` first, then by id; paged by cursor. */
  async listSessions(options: ListSessionsOptions): Promise<ListSessionsResult> {
    const appName = validateName('appName', options.appName);
    const userId =
      options.userId === undefined ? undefined : validateName('userId', options.userId);
    const limit = resolveListLimit(options.limit);
    const after = options.cursor === undefined ? undefined : decodeSessionCursor(options.cursor);
    const candidates: StoredSession[] = [];
    const app = this.#apps.get(appName);
    const users =
      userId === undefined ? [...(app?.users.values() ?? [])] : [app?.users.get(userId)];
    for (const user of users) {
      for (const stored of user?.sessions.values() ?? []) {
        if (after === undefined || compareSessionPositions(stored, after) > 0) {
          candidates.push(stored);
        }
      }
    }
    candidates.sort(compareSessionPositions);
    const page = candidates.slice(0, limit);
    const result: ListSessionsResult = {
      sessions: page.map((stored) => this.#toSession(stored, [])),
    };
    const last = page.at(-1);
    if (candidates.length > limit && last) result.nextCursor = encodeSessionCursor(last);
    return result;
  }

  /** Removes the session and its events; the app and user tiers stay. Idempotent. */
  async deleteSession(options: DeleteSessionOptions): Promise<void> {
    const { appName, userId, sessionId } = validateKey(options);
    this.#apps.get(appName)?.users.get(userId)?.sessions.delete(sessionId);
  }

  /**
   * Stores the event and applies its state delta if `session.revision` is current, then updates
   * `session` in place; a partial event is returned unchanged and not stored.
   */
  async appendEvent(options: AppendEventOptions): Promise<Event> {
    return this.#append(options);
  }

  /**
   * {@link appendEvent} done at once, for the runner (internal): the stored event, thrown errors
   * as `appendEvent` rejects with them; undefined when `appendEvent` is not this class's own (a
   * subclass or wrapper that changes it must see every append, so the runner then calls it).
   */
  [APPEND_NOW](options: AppendEventOptions): Event | undefined {
    if (this.appendEvent !== InMemorySessionService.prototype.appendEvent) return undefined;
    return this.#append(options);
  }

  #append(options: AppendEventOptions): Event {
    const { session, event } = options;
    const { appName, userId, id: sessionId } = session;
    // A session found by its names was created with them, so they were checked then; only a
    // miss needs them checked, to tell a malformed name from a missing session.
    const stored = this.#find(appName, userId, sessionId);
    if (!stored) {
      validateName('appName', appName);
      validateName('userId', userId);
      validateName('sessionId', sessionId);
    }
    if (event.partial) return event;
    const frozen = toStorableEvent(event);
    if (!stored) {
      throw new SessionNotFoundError(
        `session ${sessionId} of user ${userId} in ${appName} not found`,
      );
    }
    if (session.revision !== stored.revision) {
      throw new StaleSessionError(
        `session ${sessionId} is at revision ${stored.revision}, the append carried ${session.revision}`,
      );
    }
    if (holdsEvent(stored, frozen.id)) {
      throw new InvalidArgumentError(
        `session ${sessionId} already holds an event with id ${frozen.id}`,
      );
    }
    // Nothing below can fail, so the append is all or nothing.
    const delta = frozen.actions.stateDelta;
    if (hasKeys(delta)) {
      const tiers = splitStateDelta(delta);
      Object.assign(this.#appStore(appName).state, tiers.app);
      Object.assign(this.#userStore(appName, userId, true).state, tiers.user);
      Object.assign(stored.state, tiers.session);
    }
    stored.events.push(frozen);
    stored.eventIds?.add(frozen.id);
    stored.revision += 1;
    stored.lastUpdateTime = frozen.timestamp;

    const events = session.events;
    const view = viewStateOf(events);
    if (view) extendView(view, stored.events, frozen);
    // A run's frozen copy of a short history grows by a new frozen copy.
    else if (Object.isFrozen(events))
      session.events = Object.freeze([...events, frozen]) as Event[];
    else events.push(frozen);
    // The caller's own values (temp: ones included): the store keeps its separate JSON copy.
    Object.assign(session.state, event.actions?.stateDelta);
    session.revision = stored.revision;
    session.lastUpdateTime = stored.lastUpdateTime;
    return frozen;
  }

  #find(appName: string, userId: string, sessionId: string): StoredSession | undefined {
    return this.#apps.get(appName)?.users.get(userId)?.sessions.get(sessionId);
  }

  #appStore(appName: string): AppStore {
    let app = this.#apps.get(appName);
    if (!app) {
      app = { state: {}, users: new Map() };
      this.#apps.set(appName, app);
    }
    return app;
  }

  #userStore(appName: string, userId: string, create: true): UserStore;
  #userStore(appName: string, userId: string, create: false): UserStore | undefined;
  #userStore(appName: string, userId: string, create: boolean): UserStore | undefined {
    if (!create) return this.#apps.get(appName)?.users.get(userId);
    const app = this.#appStore(appName);
    let user = app.users.get(userId);
    if (!user) {
      user = { state: {}, sessions: new Map() };
      app.users.set(userId, user);
    }
    return user;
  }

  #toSession(
    stored: StoredSession,
    events: Event[],
    user = this.#apps.get(stored.appName)?.users.get(stored.userId),
    app = this.#apps.get(stored.appName),
  ): Session {
    return {
      id: stored.id,
      appName: stored.appName,
      userId: stored.userId,
      state: copyState(stored.state, user?.state, app?.state),
      events,
      lastUpdateTime: stored.lastUpdateTime,
      revision: stored.revision,
    };
  }
}

/** The tiers of a session created without initial state (read only: nothing is assigned to them). */
const NO_TIERS: StateTiers = Object.freeze({
  app: Object.freeze({}),
  user: Object.freeze({}),
  session: Object.freeze({}),
});

/** True when `record` has an own enumerable key (most events write no state). */
function hasKeys(record: Record<string, unknown>): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}

/** Runs read sessions up to this many events as a frozen copy of the array, longer ones as a view. */
const COPIED_FOR_RUN = 256;

/** Sessions up to this many events find a duplicate id by scanning, and hold no id set. */
const SCANNED_EVENTS = 32;

/** True when the session already holds an event with `id`. */
function holdsEvent(stored: StoredSession, id: string): boolean {
  if (stored.eventIds) return stored.eventIds.has(id);
  const events = stored.events;
  if (events.length < SCANNED_EVENTS) {
    for (const event of events) if (event.id === id) return true;
    return false;
  }
  stored.eventIds = new Set(events.map((event) => event.id));
  return stored.eventIds.has(id);
}

const ROOM: readonly undefined[] = new Array<undefined>(32).fill(undefined);

/**
 * A copy of the history with spare capacity: the turn that reads a session appends to it
 * next, and an exact-size copy would be copied again, whole, by the first push.
 */
function copyWithRoom(events: readonly Readonly<Event>[]): Readonly<Event>[] {
  const copy = events.concat(ROOM as unknown as Readonly<Event>[]);
  copy.length = events.length;
  return copy;
}

function validateKey(options: { appName: string; userId: string; sessionId: string }): {
  appName: string;
  userId: string;
  sessionId: string;
} {
  return {
    appName: validateName('appName', options.appName),
    userId: validateName('userId', options.userId),
    sessionId: validateName('sessionId', options.sessionId),
  };
}

/**
 * The merged state as a copy the caller may change freely: primitives are copied as they are
 * and only object values are cloned, so a read costs nothing extra for flat state.
 */
function copyState(
  session: Record<string, unknown>,
  user: Record<string, unknown> | undefined,
  app: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const state: Record<string, unknown> = {};
  copyTier(state, session);
  if (user) copyTier(state, user);
  if (app) copyTier(state, app);
  return state;
}

function copyTier(state: Record<string, unknown>, tier: Record<string, unknown>): void {
  for (const key in tier) {
    if (!hasOwnProperty.call(tier, key)) continue;
    const value = tier[key];
    state[key] = typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
}

// eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called with .call
const { hasOwnProperty } = Object.prototype;
