import { describe, expect, it } from 'vitest';
import { evaluate } from './calculator.js';

describe('the calculator tool', () => {
  it('computes + - * / with precedence, parentheses and negative numbers', () => {
    expect(evaluate('12 * (3 + 4)')).toBe(84);
    expect(evaluate('2.5 / 4 - 1')).toBe(-0.375);
    expect(evaluate('-2 x 3 + 10')).toBe(4);
    expect(evaluate('1 / 3')).toBe(0.333333);
  });

  it('refuses what it cannot read instead of evaluating it', () => {
    expect(() => evaluate('process.exit(1)')).toThrow(/cannot read/);
    expect(() => evaluate('(1 + 2')).toThrow(/not closed/);
    expect(() => evaluate('1 / 0')).toThrow(/finite/);
    expect(() => evaluate('3 +')).toThrow(/expected a number/);
  });
});
