/**
 * `@ferrite/session/internal`: the checks and formats both stores of this package share, for
 * other `SessionService` implementations that must validate and page exactly the same way.
 * Applications do not need it.
 */
export {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  resolveListLimit,
  validateEventFilters,
  validateEvent,
  type ValidatedEvent,
  toStorable,
  toStorableEvent,
} from './validation/session-options.js';
export {
  encodeSessionCursor,
  decodeSessionCursor,
  compareSessionPositions,
  type SessionCursor,
} from './validation/session-cursor.js';
