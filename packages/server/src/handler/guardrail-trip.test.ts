import { describe, expect, it } from 'vitest';
import type { InputGuardrail, OutputGuardrail } from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import { InMemorySessionService } from '@ferrite/session';
import { echoAgent, message, postJson, readSse, startServer } from '../testing/server-fixtures.js';

const refuseSecrets: InputGuardrail = {
  name: 'no_secrets',
  runInParallel: false,
  execute: ({ input }) => ({
    tripwireTriggered: input.parts.some((part) => part.text?.includes('secret')),
    outputInfo: { matched: 'secret', rule: 7 },
  }),
};
const refuseEchoes: OutputGuardrail = {
  name: 'no_echoes',
  // Past the 4 KiB bound: the error body names the guardrail and leaves the report out.
  execute: ({ output }) => ({
    tripwireTriggered: output.includes('#'),
    outputInfo: 'x'.repeat(5000),
  }),
};

describe('a tripped guardrail over HTTP', () => {
  it('answers an input trip with 422 on /run and a typed error frame on /run_sse', async () => {
    const runner = new Runner({
      appName: 'app',
      agent: echoAgent(),
      sessionService: new InMemorySessionService(),
      runConfig: { inputGuardrails: [refuseSecrets] },
    });
    await using server = await startServer({ apps: runner });
    const run = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('a secret') };
    const ran = await postJson(`${server.url}/run`, run);
    expect(ran.status).toBe(422);
    const verdict = {
      error: "Input guardrail 'no_secrets' tripped",
      code: 'guardrail.input_tripwire',
      guardrailName: 'no_secrets',
      outputInfo: { matched: 'secret', rule: 7 },
    };
    expect(await ran.json()).toEqual(verdict);
    const streamed = await postJson(`${server.url}/run_sse`, { ...run, streaming: true });
    expect(streamed.status).toBe(200);
    const { messages } = await readSse(streamed);
    expect(JSON.parse(messages.at(-1)!.data)).toEqual(verdict);
  });

  it('answers an output trip with 500 and its code', async () => {
    const runner = new Runner({
      appName: 'app',
      agent: echoAgent(),
      sessionService: new InMemorySessionService(),
      runConfig: { outputGuardrails: [refuseEchoes] },
    });
    await using server = await startServer({ apps: runner });
    const run = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('hi') };
    const ran = await postJson(`${server.url}/run`, run);
    expect(ran.status).toBe(500);
    const body = {
      error: "Output guardrail 'no_echoes' tripped",
      code: 'guardrail.output_tripwire',
      guardrailName: 'no_echoes',
    };
    expect(await ran.json()).toEqual(body);
    const streamed = await postJson(`${server.url}/run_sse`, { ...run, streaming: true });
    const { messages } = await readSse(streamed);
    expect(JSON.parse(messages.at(-1)!.data)).toEqual(body);
  });

  it('leaves out a report that is not JSON and names a guardrail that failed', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const runner = new Runner({
      appName: 'app',
      agent: echoAgent(),
      sessionService: new InMemorySessionService(),
      runConfig: {
        inputGuardrails: [
          {
            name: 'loops',
            runInParallel: false,
            execute: ({ input }) => {
              if (input.parts.some((part) => part.text === 'boom')) throw new Error('broken');
              return { tripwireTriggered: true, outputInfo: cyclic };
            },
          },
        ],
      },
    });
    await using server = await startServer({ apps: runner });
    const run = { appName: 'app', userId: 'u1', sessionId: 's1', newMessage: message('hi') };
    const ran = await postJson(`${server.url}/run`, run);
    expect(ran.status).toBe(422);
    expect(await ran.json()).toEqual({
      error: "Input guardrail 'loops' tripped",
      code: 'guardrail.input_tripwire',
      guardrailName: 'loops',
    });
    const failed = await postJson(`${server.url}/run`, { ...run, newMessage: message('boom') });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ code: 'guardrail.error', guardrailName: 'loops' });
  });
});
