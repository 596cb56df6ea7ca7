// A small app process for the restart test: `pause` runs a payment until it waits for the
// person's confirmation and then idles (the test kills it); `resume` answers it from a new
// process that has only the stored events to go on.
import { z } from 'zod';
import { REQUEST_CONFIRMATION_FUNCTION_CALL_NAME, userContent } from '@ferrite/core';
import { ScriptedModel } from '@ferrite/core/testing';
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import { Runner, runToArray } from '@ferrite/runner';
import { PostgresSessionService } from '@ferrite/session/postgres';

const [mode, connectionString, schema, sessionId, answerId] = process.argv.slice(2);

// The pausing process's model asks to pay; the resuming one's can only answer once: a resume
// that started the invocation over would ask it for a tool call it does not have.
const model = new ScriptedModel(
  mode === 'pause'
    ? [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { id: 'pay-1', name: 'pay', args: { amount: 50, to: 'acme' } } },
            ],
          },
        },
      ]
    : ['Paid 50 to acme.'],
);
const agent = new LlmAgent({
  name: 'cashier',
  model,
  tools: [
    new FunctionTool({
      name: 'pay',
      description: 'Pays an amount to a payee',
      parameters: z.object({ amount: z.number(), to: z.string() }),
      requireConfirmation: true,
      execute: (args) => {
        process.stdout.write(`PAID ${JSON.stringify(args)}\n`);
        return { paid: args.amount };
      },
    }),
  ],
});
const sessionService = new PostgresSessionService({
  connectionString: connectionString!,
  schema: schema!,
});
const runner = new Runner({
  appName: 'payments',
  agent,
  sessionService,
  runConfig: { streamingMode: 'none' },
});

if (mode === 'pause') {
  const events = await runToArray(runner.run('ada', sessionId!, userContent('pay acme 50')));
  const request = events.at(-1)!.content!.parts[0]!.functionCall!;
  process.stdout.write(`PAUSED ${request.id} ${events.at(-1)!.invocationId}\n`);
  // Idle with the pool open, as a server would, until the test kills the process.
  setInterval(() => {}, 60_000);
} else {
  const events = await runToArray(
    runner.resume('ada', sessionId!, {
      functionResponse: {
        id: answerId!,
        name: REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
        response: { confirmed: true },
      },
    }),
  );
  process.stdout.write(`RESUMED ${JSON.stringify(events)}\n`);
  await sessionService.close();
}
