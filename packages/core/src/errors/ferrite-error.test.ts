import { describe, expect, it } from 'vitest';
import {
  FerriteError,
  InternalError,
  ModelError,
  SessionExistsError,
  SessionNotFoundError,
  toFerriteError,
} from '../index.js';

describe('FerriteError', () => {
  it('carries its code, name and cause', () => {
    const cause = new Error('duplicate key');
    const error = new SessionExistsError('session s1 exists', { cause });
    expect(error.code).toBe('session.exists');
    expect(error.name).toBe('SessionExistsError');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(FerriteError);
  });

  it('isInstance matches by code, and the base matches every Ferrite error', () => {
    const error = new SessionNotFoundError('gone');
    expect(FerriteError.isInstance(error)).toBe(true);
    expect(SessionNotFoundError.isInstance(error)).toBe(true);
    expect(SessionExistsError.isInstance(error)).toBe(false);
    expect(FerriteError.isInstance(new Error('plain'))).toBe(false);
    expect(FerriteError.isInstance(null)).toBe(false);
  });

  it('isInstance recognises an error from another copy of the package by its marker', () => {
    const foreign = Object.assign(new Error('from a second copy'), {
      code: 'session.exists',
      [Symbol.for('@ferrite/core.error')]: true,
    });
    expect(SessionExistsError.isInstance(foreign)).toBe(true);
    expect(FerriteError.isInstance(foreign)).toBe(true);
    expect(SessionNotFoundError.isInstance(foreign)).toBe(false);
  });

  it('ModelError keeps status and retryable', () => {
    const error = new ModelError('rate limited', { status: 429, retryable: true });
    expect([error.status, error.retryable, error.code]).toEqual([429, true, 'model.error']);
  });

  it('toFerriteError passes Ferrite errors through and wraps the rest', () => {
    const known = new SessionNotFoundError('x');
    expect(toFerriteError(known)).toBe(known);
    const raw = new TypeError('boom');
    const wrapped = toFerriteError(raw, 'while appending');
    expect(InternalError.isInstance(wrapped)).toBe(true);
    expect(wrapped.message).toBe('while appending: boom');
    expect(wrapped.cause).toBe(raw);
  });
});

describe('isInstance on errors with their own constructors', () => {
  it('narrows ToolCallError and TargetError', async () => {
    const { ToolCallError, TargetError } = await import('../index.js');
    const error: unknown = new ToolCallError('search', 'index offline');
    expect(ToolCallError.isInstance(error) && error.toolName).toBe('search');
    const target: unknown = new TargetError('exit 3', { targetCode: 'E_CRASH' });
    expect(TargetError.isInstance(target) && target.targetCode).toBe('E_CRASH');
    expect(TargetError.isInstance(error)).toBe(false);
  });
});
