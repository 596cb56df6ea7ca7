import type { LogFields, Logger } from './logger.js';

/** A log method of pino: fields first, then the message. */
type PinoLogMethod = (fields: object, message: string) => void;

/**
 * The part of a pino logger Ferrite uses, typed by shape so nothing imports pino: any pino
 * instance (pino 8–10) fits.
 */
export interface PinoLike {
  debug: PinoLogMethod;
  info: PinoLogMethod;
  warn: PinoLogMethod;
  error: PinoLogMethod;
  child(bindings: Record<string, unknown>): PinoLike;
}

/**
 * A {@link Logger} that writes through a pino instance: each line is pino's
 * `logger.<level>(fields, message)`, and `child` is pino's `child(bindings)`.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const runner = new Runner({ appName, agent, sessionService, logger: pinoLogger(pino()) });
 * ```
 */
export function pinoLogger(instance: PinoLike): Logger {
  const empty: LogFields = {};
  return {
    debug: (message, fields) => instance.debug(fields ?? empty, message),
    info: (message, fields) => instance.info(fields ?? empty, message),
    warn: (message, fields) => instance.warn(fields ?? empty, message),
    error: (message, fields) => instance.error(fields ?? empty, message),
    child: (fields) => pinoLogger(instance.child({ ...fields })),
  };
}
