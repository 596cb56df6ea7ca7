import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ScriptedModel } from '@ferrite/core/testing';
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { ConsoleRepl } from './console-repl.js';

/** A chat over pipes with an agent whose payment tool needs the person's approval. */
function chat(finalText: string) {
  const paid: unknown[] = [];
  const model = new ScriptedModel([
    {
      content: {
        role: 'model',
        parts: [{ functionCall: { id: 'pay-1', name: 'pay', args: { amount: 50, to: 'acme' } } }],
      },
    },
    finalText,
  ]);
  const agent = new LlmAgent({
    name: 'cashier',
    model,
    tools: [
      new FunctionTool({
        name: 'pay',
        description: 'Pays an amount to a payee',
        parameters: {
          type: 'object',
          properties: { amount: { type: 'number' }, to: { type: 'string' } },
          required: ['amount', 'to'],
        },
        requireConfirmation: true,
        execute: (args) => {
          paid.push(args);
          return { paid: args.amount };
        },
      }),
    ],
  });
  const runner = new Runner({
    appName: 'shop',
    agent,
    sessionService: new InMemorySessionService(),
  });
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.setEncoding('utf8').on('data', (data: string) => (text += data));
  const repl = new ConsoleRepl({
    runner,
    input,
    output,
    userId: 'ada',
    sessionId: 's1',
    signals: null,
  });
  const until = async (pattern: RegExp): Promise<void> => {
    while (!pattern.test(text)) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  return { paid, model, input, repl, until, text: () => text };
}

describe('console chat confirmations', () => {
  it('shows the call, its arguments and the hint, asks y/n until answered, and resumes approved', async () => {
    const { paid, input, repl, until, text } = chat('Paid 50 to acme.');
    const done = repl.run();
    input.write('pay acme 50\n');
    await until(/approve\? \[y\/n\]/);
    expect(text()).toContain('cashier asks to run pay({"amount":50,"to":"acme"})');
    expect(text()).toContain("Please approve or reject the call of tool 'pay'.");
    expect(paid).toEqual([]);
    input.write('maybe\n');
    await until(/approve\? \[y\/n\][\s\S]*approve\? \[y\/n\]/);
    input.write('y\n');
    await until(/Paid 50 to acme\./);
    input.end('/exit\n');
    await done;
    expect(paid).toEqual([{ amount: 50, to: 'acme' }]);
  });

  it('resumes a refused call without running it; the model is told it was rejected', async () => {
    const { paid, model, input, repl, until } = chat('I did not pay.');
    const done = repl.run();
    input.write('pay acme 50\n');
    await until(/approve\? \[y\/n\]/);
    input.write('n\n');
    await until(/I did not pay\./);
    input.end('/exit\n');
    await done;
    expect(paid).toEqual([]);
    expect(JSON.stringify(model.requests[1]!.contents)).toContain('This tool call was rejected.');
  });
});
