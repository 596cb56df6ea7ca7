export { InMemorySessionService } from './in-memory/in-memory-session-service.js';
export {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  resolveListLimit,
  validateEventFilters,
  toStorable,
  toStorableEvent,
} from './validation/session-options.js';
