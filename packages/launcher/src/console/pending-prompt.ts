import {
  REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
  type Part,
  type PendingRequest,
} from '@ferrite/core';

/** How the console asks the person one question; undefined when the input ended. */
export type AskLine = (question: string) => Promise<string | undefined>;

/**
 * Asks the person about each confirmation the session waits for (showing the agent, the call
 * with its arguments and the hint) and returns the answers to resume with; undefined when there
 * is nothing to confirm or the input ended. Long-running calls are only shown: their result comes
 * from whatever runs them, through `Runner.resume` or the HTTP API.
 */
export async function askPendingConfirmations(
  requests: readonly PendingRequest[],
  ask: AskLine,
  print: (line: string) => void,
): Promise<Part[] | undefined> {
  const answers: Part[] = [];
  for (const request of requests) {
    if (request.kind === 'long_running') {
      print(
        `${request.author} waits for the result of ${request.functionCall.name} (call ${request.id}); a new message abandons it`,
      );
      continue;
    }
    const call = request.originalFunctionCall;
    const hint = request.toolConfirmation.hint;
    print(`${request.author} asks to run ${call.name}(${JSON.stringify(call.args)})`);
    if (hint) print(`  ${hint}`);
    let confirmed: boolean | undefined;
    while (confirmed === undefined) {
      const reply = await ask('approve? [y/n] ');
      if (reply === undefined) return undefined;
      const word = reply.trim().toLowerCase();
      if (word === 'y' || word === 'yes') confirmed = true;
      else if (word === 'n' || word === 'no') confirmed = false;
    }
    answers.push({
      functionResponse: {
        id: request.id,
        name: REQUEST_CONFIRMATION_FUNCTION_CALL_NAME,
        response: { confirmed },
      },
    });
  }
  return answers.length > 0 ? answers : undefined;
}
