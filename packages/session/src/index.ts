export { InMemorySessionService } from './in-memory/in-memory-session-service.js';
