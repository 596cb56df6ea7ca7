import { describe, expect, it } from 'vitest';
import {
  FerriteError,
  InternalError,
  ModelError,
  SessionExistsError,
  SessionNotFoundError,
  toFerriteError,
  ERROR_STATUS,
  statusOfCode,
  type FerriteErrorCode,
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

describe('error codes', () => {
  it('gives every code a status, and keeps the statuses of SPEC §9', async () => {
    const core = await import('../index.js');
    const classes = [
      core.InvalidArgumentError,
      core.SessionExistsError,
      core.SessionNotFoundError,
      core.StaleSessionError,
      core.SessionBusyError,
      core.ArtifactNotFoundError,
      core.AgentNotFoundError,
      core.TransferLimitError,
      core.MaxTurnsExceededError,
      core.RunTimeoutError,
      core.OutputLimitError,
      core.ModelBehaviorError,
      core.ModelError,
      core.ToolCallError,
      core.TargetError,
      core.InternalError,
      core.UnavailableError,
    ];
    for (const errorClass of classes) expect(core.isFerriteErrorCode(errorClass.code)).toBe(true);
    expect(
      Object.fromEntries(
        classes.map((errorClass) => [errorClass.code, ERROR_STATUS[errorClass.code]]),
      ),
    ).toEqual({
      invalid_argument: 400,
      'session.exists': 409,
      'session.not_found': 404,
      'session.stale': 409,
      'session.busy': 409,
      'artifact.not_found': 404,
      'agent.not_found': 500,
      'agent.transfer_limit': 500,
      'run.max_turns': 500,
      'run.timeout': 500,
      'run.output_limit': 500,
      'model.behavior': 500,
      'model.error': 500,
      'tool.error': 500,
      'target.error': 500,
      internal: 500,
      unavailable: 503,
    });
    // A code this copy does not know (a newer copy's) is a server failure, never the client's.
    expect(statusOfCode('run.from_the_future')).toBe(500);
    expect(statusOfCode('toString')).toBe(500);
    expect(statusOfCode('session.busy')).toBe(409);
  });

  it('refuses at compile time a status table that misses a code or a code outside the union', () => {
    // @ts-expect-error every FerriteErrorCode needs a status
    const partial: Record<FerriteErrorCode, number> = { invalid_argument: 400 };
    // @ts-expect-error a code outside the union is refused
    const unknown: FerriteErrorCode = 'session.gone';
    expect([Object.keys(partial), unknown]).toEqual([['invalid_argument'], 'session.gone']);
  });

  it('recognises a class that stands for several codes by the same marker rule', () => {
    class LayerError extends FerriteError {
      static override readonly code = 'unauthorized';
      static override readonly codes = ['unauthorized', 'forbidden'] as const;
    }
    const forbidden = new LayerError('no', { code: 'forbidden' });
    expect(LayerError.isInstance(forbidden)).toBe(true);
    expect(LayerError.isInstance(new InternalError('x'))).toBe(false);
    const foreign = { code: 'unauthorized', [Symbol.for('@ferrite/core.error')]: true };
    expect(LayerError.isInstance(foreign)).toBe(true);
    expect(LayerError.isInstance({ code: 'unauthorized' })).toBe(false);
  });
});
