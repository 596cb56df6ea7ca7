/** Structured fields of one log line: ids, durations, codes. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The severities a {@link Logger} writes, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A structured logger: one message and its fields per line. Ferrite logs through this
 * interface only, so any logging library fits behind it (`pinoLogger` adapts pino, `JsonLogger`
 * writes JSON lines); the default is {@link noopLogger}. A logger must never throw.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line it writes. */
  child(fields: LogFields): Logger;
}

const nothing = (): void => {};

/** The logger that writes nothing, Ferrite's default. */
export const noopLogger: Logger = Object.freeze({
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
  child: (): Logger => noopLogger,
});

/** True when `value` has the methods of a {@link Logger}. */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error', 'child'].every(
    (method) => typeof candidate[method] === 'function',
  );
}

/**
 * Calls a logger without letting it break the caller: a logger that throws loses that line, and
 * the run or request it describes goes on.
 */
export function safeLog(
  logger: Logger,
  level: LogLevel,
  message: string,
  fields?: LogFields,
): void {
  try {
    logger[level](message, fields);
  } catch {
    // A broken logger must not fail the run it reports on.
  }
}
