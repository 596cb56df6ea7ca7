import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, validateAgentName } from '../index.js';

describe('validateAgentName', () => {
  it.each(['a', '_private', 'billing_agent', 'step-2', 'A'.repeat(128), 'users', 'User'])(
    'accepts %s',
    (name) => {
      expect(validateAgentName(name)).toBe(name);
    },
  );

  it.each([
    '',
    'a.b',
    'user',
    '1st',
    '-dash',
    'has space',
    'a/b',
    'a:b',
    'ünïcode',
    'A'.repeat(129),
  ])('rejects %j with InvalidArgumentError', (name) => {
    expect(() => validateAgentName(name)).toThrow(InvalidArgumentError);
  });

  it('rejects non-strings and says what it got', () => {
    expect(() => validateAgentName(42)).toThrow(/Invalid agent name number/);
    expect(() => validateAgentName(undefined)).toThrow(InvalidArgumentError);
  });

  it('names the rule and shows a long name only in part', () => {
    const error = (() => {
      try {
        validateAgentName(`${'x'.repeat(200)}.y`);
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.message).toContain("1-128 letters, digits, '_' or '-'");
    expect(error?.message.length).toBeLessThan(200);
  });
});
