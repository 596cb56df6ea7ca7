import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { userContent, type Content, type Model } from '@ferrite/core';
import { ScriptedModel, abortableDelay, untilAborted } from '@ferrite/core/testing';
import { GeminiModel, OpenAIChatModel } from '@ferrite/models';
import { runToArray } from '@ferrite/runner';
import { FunctionTool } from '../tools/function-tool.js';
import { calls, harness } from '../testing/run-harness.js';
import { LlmAgent } from './llm-agent.js';

/**
 * A turn cut while its tool runs leaves a stored function call without a response. The next
 * turn's request must still answer every call, or OpenAI-compatible servers and Gemini refuse
 * it and the session is unusable from then on.
 */

/** The parts of the two wire formats these tests look at. */
interface WireMessage {
  role: string;
  content?: string | null;
  tool_call_id?: string;
  tool_calls?: { id: string }[];
}
interface WirePart {
  functionCall?: unknown;
  functionResponse?: unknown;
}
interface WireContent {
  role: string;
  parts: WirePart[];
}
interface Body {
  messages?: WireMessage[];
  contents?: WireContent[];
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A local HTTP stand-in: `answer` returns the status and JSON body for each request body. */
async function standIn(
  answer: (body: Body, index: number) => [number, unknown],
): Promise<{ url: string; bodies: Body[] }> {
  const bodies: Body[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body;
      const [status, json] = answer(body, bodies.push(body) - 1);
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(json));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

/** OpenAI's rule: an assistant message with tool_calls is followed by a tool message per call. */
function openAIHistoryError(messages: WireMessage[] = []): string | undefined {
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'assistant' || !message.tool_calls) continue;
    const answered = new Set<string>();
    for (const next of messages.slice(index + 1)) {
      if (next.role !== 'tool') break;
      if (next.tool_call_id) answered.add(next.tool_call_id);
    }
    for (const call of message.tool_calls) {
      if (!answered.has(call.id)) {
        return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${call.id}`;
      }
    }
  }
  return undefined;
}

/** Gemini's rule: a function call turn is followed by a turn with as many function responses. */
function geminiHistoryError(contents: WireContent[] = []): string | undefined {
  for (const [index, content] of contents.entries()) {
    const callCount = content.parts.filter((part) => part.functionCall).length;
    if (content.role !== 'model' || callCount === 0) continue;
    const next = contents[index + 1];
    const responses = next?.parts.filter((part) => part.functionResponse).length ?? 0;
    if (next?.role !== 'user' || responses !== callCount) {
      return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
    }
  }
  return undefined;
}

/**
 * Runs a first turn whose tool call hangs, unsubscribes once the tool is running (the call is
 * stored, its response never is), then runs a second turn and returns its events.
 */
async function cutThenContinue(model: Model) {
  let toolStarted!: () => void;
  const started = new Promise<void>((resolve) => (toolStarted = resolve));
  const hang = new FunctionTool({
    name: 'lookup',
    description: 'looks something up, slowly',
    execute: async (_args, context) => {
      toolStarted();
      await untilAborted(context.signal);
    },
  });
  const h = harness(new LlmAgent({ name: 'assistant', model, tools: [hang] }), {
    runConfig: { streamingMode: 'none' },
  });
  const subscription = h.runner.run('u1', 's1', userContent('look it up')).subscribe({
    error: () => {},
  });
  await started;
  subscription.unsubscribe();
  while (h.runner.isRunning('u1', 's1')) await abortableDelay(2);
  const stored = (await h.session()).events;
  expect(stored.map((event) => event.author)).toEqual(['user', 'assistant']);
  const next = await runToArray(h.runner.run('u1', 's1', userContent('are you there?')));
  return { next, stored: (await h.session()).events };
}

describe('a turn cut in the middle of a tool call', () => {
  it('gives the next model request a cancelled response for the stored call (ScriptedModel)', async () => {
    const model = new ScriptedModel([calls(['lookup', {}, 'call_1']), 'Still here.']);
    const { next, stored } = await cutThenContinue(model);
    expect(next.at(-1)!.content!.parts[0]!.text).toBe('Still here.');
    const contents: Content[] = model.requests[1]!.contents;
    expect(contents.map((content) => content.role)).toEqual(['user', 'model', 'user', 'user']);
    expect(contents[2]!.parts).toEqual([
      {
        functionResponse: {
          id: 'call_1',
          name: 'lookup',
          response: { error: expect.stringContaining('cancelled') as unknown },
        },
      },
    ]);
    // The stored history is left as it was: the call still has no stored response.
    expect(stored.flatMap((event) => event.content?.parts ?? [])).not.toContainEqual(
      expect.objectContaining({ functionResponse: expect.anything() as unknown }),
    );
  });

  it('sends an OpenAI-compatible server a tool message for the cancelled call', async () => {
    const server = await standIn((body, index) => {
      const problem = openAIHistoryError(body.messages);
      if (problem) return [400, { error: { message: problem, type: 'invalid_request_error' } }];
      const message =
        index === 0
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } },
              ],
            }
          : { role: 'assistant', content: 'Still here.' };
      return [200, { choices: [{ index: 0, message, finish_reason: 'stop' }] }];
    });
    const model = new OpenAIChatModel({
      baseURL: server.url,
      model: 'm',
      retry: { maxRetries: 0 },
    });
    const { next } = await cutThenContinue(model);
    expect(next.at(-1)!.content!.parts[0]!.text).toBe('Still here.');
    const messages = server.bodies[1]!.messages!;
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(messages[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    expect(JSON.parse(messages[2]!.content!)).toEqual({
      error: expect.stringContaining('cancelled') as unknown,
    });
  });

  it('sends Gemini a function response turn for the cancelled call', async () => {
    const server = await standIn((body, index) => {
      const problem = geminiHistoryError(body.contents);
      if (problem)
        return [400, { error: { code: 400, message: problem, status: 'INVALID_ARGUMENT' } }];
      const parts =
        index === 0
          ? [{ functionCall: { id: 'call_1', name: 'lookup', args: {} } }]
          : [{ text: 'Still here.' }];
      return [200, { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }] }];
    });
    const model = new GeminiModel({
      baseURL: server.url,
      apiKey: 'k',
      model: 'g',
      retry: { maxRetries: 0 },
    });
    const { next } = await cutThenContinue(model);
    expect(next.at(-1)!.content!.parts[0]!.text).toBe('Still here.');
    const contents = server.bodies[1]!.contents!;
    expect(contents.map((content) => content.role)).toEqual(['user', 'model', 'user', 'user']);
    expect(contents[2]!.parts).toEqual([
      {
        functionResponse: {
          id: 'call_1',
          name: 'lookup',
          response: { error: expect.stringContaining('cancelled') as unknown },
        },
      },
    ]);
  });
});
