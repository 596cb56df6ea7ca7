import type { LogFields, LogLevel, Logger } from './logger.js';

const RANK: Readonly<Record<LogLevel, number>> = Object.freeze({
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
});

/** Settings of a {@link JsonLogger}. */
export interface JsonLoggerConfig {
  /** Lowest level written (default `'info'`). */
  level?: LogLevel;
  /** Receives each line, without its newline (default `console.log`). */
  write?: (line: string) => void;
  /** Fields added to every line. */
  fields?: LogFields;
}

/** An Error as plain JSON fields (its name, message and code; never its stack's locals). */
function errorFields(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
  };
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return errorFields(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * A {@link Logger} writing one JSON object per line: `{ level, time, msg, ...fields }`, time in
 * milliseconds since the epoch. A field that cannot be serialized (a cycle) is replaced by a
 * note, so a line is never lost to its fields.
 *
 * @example
 * ```ts
 * const runner = new Runner({ appName, agent, sessionService, logger: new JsonLogger({ level: 'debug' }) });
 * ```
 */
export class JsonLogger implements Logger {
  readonly #minimum: number;
  readonly #write: (line: string) => void;
  readonly #fields: LogFields;

  constructor(config: JsonLoggerConfig = {}) {
    this.#minimum = RANK[config.level ?? 'info'];
    this.#write =
      config.write ??
      ((line) => {
        console.log(line);
      });
    this.#fields = Object.freeze({ ...config.fields });
  }

  debug(message: string, fields?: LogFields): void {
    this.#log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#log('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#log('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#log('error', message, fields);
  }

  child(fields: LogFields): JsonLogger {
    const level = (Object.keys(RANK) as LogLevel[]).find((key) => RANK[key] === this.#minimum);
    return new JsonLogger({
      write: this.#write,
      fields: { ...this.#fields, ...fields },
      ...(level ? { level } : {}),
    });
  }

  #log(level: LogLevel, message: string, fields: LogFields | undefined): void {
    if (RANK[level] < this.#minimum) return;
    const record = { level, time: Date.now(), msg: message, ...this.#fields, ...fields };
    let line: string;
    try {
      line = JSON.stringify(record, replacer);
    } catch (error) {
      line = JSON.stringify({
        level,
        time: record.time,
        msg: message,
        logError: `fields not serializable: ${(error as Error).message}`,
      });
    }
    try {
      this.#write(line);
    } catch {
      // A failing sink loses the line, never the caller's work.
    }
  }
}
