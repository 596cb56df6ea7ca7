import { AgentTool, FunctionTool, LlmAgent } from '@ferrite/agents';
import type { Model } from '@ferrite/core';

/** Thrown for an expression the calculator cannot read. */
class ExpressionError extends Error {}

/**
 * Evaluates `+ - * /` with parentheses over decimal numbers (a small recursive-descent parser; no
 * `eval`). Throws ExpressionError for anything else.
 */
export function evaluate(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?|[-+*/×x()]/g) ?? [];
  if (tokens.join('') !== expression.replace(/\s+/g, '')) {
    throw new ExpressionError(`cannot read "${expression}"`);
  }
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const primary = (): number => {
    const token = tokens[at++];
    if (token === '(') {
      const value = sum();
      if (tokens[at++] !== ')') throw new ExpressionError('a parenthesis is not closed');
      return value;
    }
    if (token === '-') return -primary();
    if (token === undefined || !/^\d/.test(token)) {
      throw new ExpressionError(`expected a number in "${expression}"`);
    }
    return Number(token);
  };
  const product = (): number => {
    let value = primary();
    for (let op = peek(); op === '*' || op === '/' || op === 'x' || op === '×'; op = peek()) {
      at += 1;
      const right = primary();
      value = op === '/' ? value / right : value * right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      at += 1;
      const right = product();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  };
  const value = sum();
  if (at !== tokens.length) throw new ExpressionError(`unexpected "${tokens[at]}"`);
  if (!Number.isFinite(value)) throw new ExpressionError('the result is not a finite number');
  return Math.round(value * 1e6) / 1e6;
}

/** Computes an arithmetic expression. */
const calculate = new FunctionTool({
  name: 'calculate',
  description: 'Computes an arithmetic expression with + - * / and parentheses.',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string' } },
    required: ['expression'],
  },
  execute: (args) => {
    try {
      return { expression: String(args.expression), result: evaluate(String(args.expression)) };
    } catch (error) {
      if (error instanceof ExpressionError) return { error: error.message };
      throw error;
    }
  },
});

/**
 * The `calculator` specialist, offered to the front desk as a tool (an agent used as a tool): it
 * takes `{ expression }` (its input schema), works it out with `calculate` in its own branch, and
 * its answer is the tool's result.
 */
export function calculatorTool(model: Model): AgentTool {
  const calculator = new LlmAgent({
    name: 'calculator',
    description: 'Works out arithmetic (+ - * / and parentheses) and answers with the result.',
    model,
    instruction: 'Compute the expression you are given with calculate; answer in one sentence.',
    inputSchema: {
      type: 'object',
      properties: { expression: { type: 'string', description: 'For example 12 * (3 + 4)' } },
      required: ['expression'],
    },
    tools: [calculate],
  });
  return new AgentTool({ agent: calculator });
}
