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
  }),
};
const refuseEchoes: OutputGuardrail = {
  name: 'no_echoes',
  execute: ({ output }) => ({ tripwireTriggered: output.includes('#') }),
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
    expect(await ran.json()).toEqual({
      error: "Input guardrail 'no_secrets' tripped",
      code: 'guardrail.input_tripwire',
    });
    const streamed = await postJson(`${server.url}/run_sse`, { ...run, streaming: true });
    expect(streamed.status).toBe(200);
    const { messages } = await readSse(streamed);
    expect(JSON.parse(messages.at(-1)!.data)).toEqual({
      error: "Input guardrail 'no_secrets' tripped",
      code: 'guardrail.input_tripwire',
    });
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
    expect(((await ran.json()) as { code: string }).code).toBe('guardrail.output_tripwire');
    const streamed = await postJson(`${server.url}/run_sse`, { ...run, streaming: true });
    const { messages } = await readSse(streamed);
    expect(JSON.parse(messages.at(-1)!.data)).toMatchObject({ code: 'guardrail.output_tripwire' });
  });
});
