import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, validateFilename, validateName } from '../index.js';

describe('validateName', () => {
  it.each(['a', 'my_app', 'user-1', 'x.y:z', 'A'.repeat(128), '.a.', 'AZaz09_-.:', '...0'])(
    'accepts %s',
    (name) => {
      expect(validateName('sessionId', name)).toBe(name);
    },
  );
  it.each([
    '',
    '.',
    '..',
    '....',
    'a/b',
    "o'brien",
    '100%',
    'ünïcode',
    'A'.repeat(129),
    'a b',
    // the characters next to each accepted range
    'a;',
    'a@',
    'a[',
    'a`',
    'a{',
    'a,',
    'a^',
    'a\u0000',
  ])('rejects %j', (name) => {
    expect(() => validateName('sessionId', name)).toThrow(InvalidArgumentError);
  });
  it('rejects non-strings and names the field', () => {
    expect(() => validateName('userId', 42)).toThrow(/userId/);
  });
});

describe('validateFilename', () => {
  it.each(['report.pdf', 'user:notes.txt', 'ünïcode.md', '..hidden', 'a'.repeat(255)])(
    'accepts %j',
    (name) => {
      expect(validateFilename(name)).toBe(name);
    },
  );
  it.each(['', '.', '..', '../etc/passwd', 'a/b', 'a\\b', 'nul\0byte', 'é'.repeat(128)])(
    'rejects %j',
    (name) => {
      expect(() => validateFilename(name)).toThrow(InvalidArgumentError);
    },
  );
});
