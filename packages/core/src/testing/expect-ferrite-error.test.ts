import { describe, expect, it } from 'vitest';
import { SessionExistsError } from '../errors/session-exists-error.js';
import { SessionNotFoundError } from '../errors/session-not-found-error.js';
import { expectFerriteError, randomAppName } from './expect-ferrite-error.js';
import { isValidName } from '../validation/names.js';

// The contract suites rest on this helper: it must fail whenever the expectation does not hold.
describe('expectFerriteError', () => {
  it('returns the error when the promise rejects with that code', async () => {
    const error = new SessionExistsError('exists');
    expect(await expectFerriteError(Promise.reject(error), SessionExistsError)).toBe(error);
  });

  it('fails when the promise resolves', async () => {
    await expect(expectFerriteError(Promise.resolve(1), SessionExistsError)).rejects.toThrow(
      /resolved/,
    );
  });

  it('fails for another Ferrite code and for a plain error', async () => {
    await expect(
      expectFerriteError(Promise.reject(new SessionNotFoundError('gone')), SessionExistsError),
    ).rejects.toThrow(/session\.exists/);
    await expect(
      expectFerriteError(Promise.reject(new Error('plain')), SessionExistsError),
    ).rejects.toThrow(/session\.exists/);
  });
});

describe('randomAppName', () => {
  it('gives valid, distinct app names', () => {
    const names = Array.from({ length: 50 }, randomAppName);
    expect(names.every(isValidName)).toBe(true);
    expect(new Set(names).size).toBe(50);
  });
});
