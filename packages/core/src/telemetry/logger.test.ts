import { describe, expect, it } from 'vitest';
import { JsonLogger } from './json-logger.js';
import { isLogger, noopLogger, safeLog, type Logger } from './logger.js';
import { pinoLogger, type PinoLike } from './pino-logger.js';

describe('JsonLogger', () => {
  it('writes one JSON object per line with level, time, message, child and line fields', () => {
    const lines: string[] = [];
    const logger = new JsonLogger({ write: (line) => lines.push(line), fields: { app: 'shop' } });
    logger.child({ invocationId: 'inv-1' }).info('run started', { sessionId: 's-1' });
    logger.debug('not written below info');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'info',
      msg: 'run started',
      app: 'shop',
      invocationId: 'inv-1',
      sessionId: 's-1',
    });
    expect(typeof record.time).toBe('number');
  });

  it('keeps a line whose fields cannot be serialized, and survives a throwing sink', () => {
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    new JsonLogger({ write: (line) => lines.push(line) }).error('failed', {
      cyclic,
      error: new Error('boom'),
    });
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'failed', level: 'error' });
    expect(lines[0]).toContain('not serializable');
    const throwing = new JsonLogger({
      write: () => {
        throw new Error('disk full');
      },
    });
    expect(() => throwing.warn('lost')).not.toThrow();
  });

  it('writes errors as name, message and code', () => {
    const lines: string[] = [];
    const error = Object.assign(new Error('nope'), { code: 'model.error' });
    new JsonLogger({ write: (line) => lines.push(line) }).error('failed', { error });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      error: { name: 'Error', message: 'nope', code: 'model.error' },
    });
  });
});

describe('pinoLogger', () => {
  it('calls pino with fields first and the message second, and children through child()', () => {
    const calls: [string, object, string][] = [];
    const bindings: Record<string, unknown>[] = [];
    const fake = (bound: Record<string, unknown>): PinoLike => ({
      debug: (fields, message) => calls.push(['debug', { ...bound, ...fields }, message]),
      info: (fields, message) => calls.push(['info', { ...bound, ...fields }, message]),
      warn: (fields, message) => calls.push(['warn', { ...bound, ...fields }, message]),
      error: (fields, message) => calls.push(['error', { ...bound, ...fields }, message]),
      child: (more) => {
        bindings.push(more);
        return fake({ ...bound, ...more });
      },
    });
    const logger = pinoLogger(fake({}));
    logger.child({ traceId: 't' }).warn('slow', { ms: 3 });
    logger.info('plain');
    expect(calls).toEqual([
      ['warn', { traceId: 't', ms: 3 }, 'slow'],
      ['info', {}, 'plain'],
    ]);
    expect(bindings).toEqual([{ traceId: 't' }]);
  });
});

describe('noopLogger and safeLog', () => {
  it('the no-op logger is a logger and its child is itself', () => {
    expect(isLogger(noopLogger)).toBe(true);
    expect(noopLogger.child({ a: 1 })).toBe(noopLogger);
    expect(isLogger({ info: () => {} })).toBe(false);
  });

  it('safeLog swallows a throwing logger', () => {
    const throwing: Logger = {
      ...noopLogger,
      info: () => {
        throw new Error('broken');
      },
    };
    expect(() => safeLog(throwing, 'info', 'x')).not.toThrow();
  });
});
