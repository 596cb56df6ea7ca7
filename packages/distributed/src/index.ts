/**
 * `@ferrite/distributed`: what lets several Ferrite processes serve one app. The Redis session
 * run lock; the PostgreSQL one lives in `@ferrite/session/postgres`.
 */
export { RedisSessionLock, type RedisSessionLockConfig } from './redis/redis-session-lock.js';
