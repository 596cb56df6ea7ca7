import {
  SessionExistsError,
  SessionNotFoundError,
  textOf,
  type Content,
  type GetSessionOptions,
  type MemoryEntry,
  type Session,
} from '@ferrite/core';
import type { HaltControl } from './halt-control.js';
import type { RunRequest, RunnerParts } from './run-request.js';
import { readSessionForRun } from './session-read.js';

/**
 * Step 1: the session with `historyLimit` events, created when missing and allowed. At once (no
 * promise) when the service reads at once and the session exists.
 */
export function loadSession(
  control: HaltControl,
  parts: RunnerParts,
  request: RunRequest,
): Session | Promise<Session> {
  const { appName } = parts;
  const { userId, sessionId, runConfig } = request;
  const query: GetSessionOptions = { appName, userId, sessionId };
  if (runConfig.historyLimit !== undefined) query.numRecentEvents = runConfig.historyLimit;
  let read: Session | undefined | Promise<Session | undefined>;
  try {
    control.checkpoint();
    read = readSessionForRun(parts.sessionService, query);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the original error, unchanged
    return Promise.reject(error);
  }
  if (read instanceof Promise) return loadOrCreate(control, parts, request, query, read);
  return read ?? createForRun(control, parts, request, query);
}

async function loadOrCreate(
  control: HaltControl,
  parts: RunnerParts,
  request: RunRequest,
  query: GetSessionOptions,
  read: Promise<Session | undefined>,
): Promise<Session> {
  const found = await control.guard(read);
  return found ?? createForRun(control, parts, request, query);
}

async function createForRun(
  control: HaltControl,
  parts: RunnerParts,
  request: RunRequest,
  query: GetSessionOptions,
): Promise<Session> {
  const { sessionService, appName } = parts;
  const { userId, sessionId, runConfig } = request;
  if (!runConfig.autoCreateSession) {
    throw new SessionNotFoundError(
      `Session '${sessionId}' of user '${userId}' does not exist (autoCreateSession is off)`,
    );
  }
  try {
    return await control.guard(sessionService.createSession({ appName, userId, sessionId }));
  } catch (error) {
    // Another process created it between our read and our create: use theirs.
    if (!SessionExistsError.isInstance(error)) throw error;
    const created = await control.guard(readSessionForRun(sessionService, query));
    if (!created) throw error;
    return created;
  }
}

const NO_MEMORIES: readonly MemoryEntry[] = Object.freeze([]);

/**
 * Step 3: memories for the message's text (`memoryTopK`), or none (one shared empty list, no
 * promise) without a memory service.
 */
export function preloadMemories(
  control: HaltControl,
  parts: RunnerParts,
  request: RunRequest,
  message: Content,
): readonly MemoryEntry[] | Promise<readonly MemoryEntry[]> {
  if (!parts.memoryService || request.runConfig.memoryTopK === 0) return NO_MEMORIES;
  return searchMemories(control, parts, request, message);
}

async function searchMemories(
  control: HaltControl,
  parts: RunnerParts,
  request: RunRequest,
  message: Content,
): Promise<readonly MemoryEntry[]> {
  const { memoryService, appName } = parts;
  const limit = request.runConfig.memoryTopK;
  const query = textOf(message).trim();
  if (!memoryService || limit === 0 || query.length === 0) return NO_MEMORIES;
  const result = await control.guard(
    memoryService.searchMemory({
      appName,
      userId: request.userId,
      query,
      limit,
      signal: control.signal,
    }),
  );
  return result.memories;
}
