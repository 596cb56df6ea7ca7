import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { z } from 'zod';
import { lastValueFrom, toArray } from 'rxjs';
import { getFunctionCalls, getFunctionResponses, textOf, userContent } from '@ferrite/core';
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import { OpenAIChatModel } from '@ferrite/models';
import { Runner } from '@ferrite/runner';
import { PostgresSessionService } from '@ferrite/session/postgres';

const connectionString = 'postgres://postgres@127.0.0.1:5432/test';
const schema = `agents_e2e_${process.pid}_${Date.now()}`;

interface ChatMessage {
  role: string;
  content?: string | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}
interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: {
    function: { name: string; parameters: { properties: Record<string, { enum?: string[] }> } };
  }[];
  stream?: boolean;
  stream_options?: unknown;
}

type Reply = { text: string } | { call: { id: string; name: string; args: string } };

/**
 * A stand-in for an OpenAI-compatible server (no real model can run here): it answers by rule,
 * like a deterministic model would, in the Chat Completions wire format.
 */
function decide(request: ChatRequest): Reply {
  const system = request.messages[0]?.role === 'system' ? (request.messages[0].content ?? '') : '';
  const last = request.messages.at(-1)!;
  if (system.startsWith('You are the front desk')) {
    return { call: { id: 'call_t1', name: 'transfer_to_agent', args: '{"agent_name":"weather"}' } };
  }
  if (!system.startsWith('You forecast')) return { text: 'I do not know who I am.' };
  if (last.role === 'tool') {
    const result = JSON.parse(last.content ?? '{}') as { celsius: number; city: string };
    return { text: `It is ${result.celsius} degrees in ${result.city}.` };
  }
  const city = (last.content ?? '').includes('Porto') ? 'Porto' : 'Lisbon';
  return {
    call: {
      id: city === 'Porto' ? 'call_w2' : 'call_w1',
      name: 'get_weather',
      args: `{"city":"${city}"}`,
    },
  };
}

const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

/** The streamed form: text in small deltas, tool-call arguments split across chunks. */
function streamed(request: ChatRequest, reply: Reply): string[] {
  const chunk = (delta: object, finish: string | null = null) =>
    JSON.stringify({
      id: 'chatcmpl-e2e',
      object: 'chat.completion.chunk',
      created: 1,
      model: request.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
  const body =
    'text' in reply
      ? [
          chunk({ role: 'assistant', content: '' }),
          ...reply.text.match(/.{1,6}/gs)!.map((piece) => chunk({ content: piece })),
          chunk({}, 'stop'),
        ]
      : [
          chunk({
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                index: 0,
                id: reply.call.id,
                type: 'function',
                function: { name: reply.call.name, arguments: '' },
              },
            ],
          }),
          chunk({
            tool_calls: [{ index: 0, function: { arguments: reply.call.args.slice(0, 5) } }],
          }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: reply.call.args.slice(5) } }] }),
          chunk({}, 'tool_calls'),
        ];
  const last = JSON.stringify({
    id: 'chatcmpl-e2e',
    object: 'chat.completion.chunk',
    created: 1,
    model: request.model,
    choices: [],
    usage,
  });
  return [...body, last, '[DONE]'];
}

/** The non-streaming form. */
function whole(request: ChatRequest, reply: Reply): string {
  const message =
    'text' in reply
      ? { role: 'assistant', content: reply.text }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: reply.call.id,
              type: 'function',
              function: { name: reply.call.name, arguments: reply.call.args },
            },
          ],
        };
  return JSON.stringify({
    id: 'chatcmpl-e2e',
    object: 'chat.completion',
    created: 1,
    model: request.model,
    choices: [{ index: 0, message, finish_reason: 'text' in reply ? 'stop' : 'tool_calls' }],
    usage,
  });
}

describe('Runner + LlmAgent + OpenAIChatModel, sessions in PostgreSQL', () => {
  let server: Server;
  let baseURL: string;
  const requests: ChatRequest[] = [];
  const sessions = new PostgresSessionService({ connectionString, schema });
  const pool = new pg.Pool({ connectionString });

  beforeAll(async () => {
    server = createServer((req, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (
          req.url !== '/v1/chat/completions' ||
          req.headers.authorization !== 'Bearer local-key'
        ) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { message: 'not found' } }));
          return;
        }
        const request = JSON.parse(body) as ChatRequest;
        requests.push(request);
        const reply = decide(request);
        if (!request.stream) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(whole(request, reply));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const data of streamed(request, reply)) res.write(`data: ${data}\n\n`);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await sessions.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('transfers to a sub-agent that calls a tool, stores everything, and routes the next turn to it', async () => {
    const model = new OpenAIChatModel({ baseURL, apiKey: 'local-key', model: 'local-model' });
    const calledWith: string[] = [];
    const getWeather = new FunctionTool({
      name: 'get_weather',
      description: 'Current temperature of a city',
      parameters: z.object({ city: z.string() }),
      execute: ({ city }, context) => {
        calledWith.push(city);
        context.state.set('user:last_city', city);
        return { city, celsius: city === 'Lisbon' ? 22 : 19 };
      },
    });
    const weather = new LlmAgent({
      name: 'weather',
      description: 'Answers weather questions',
      model,
      instruction: 'You forecast the weather.',
      tools: [getWeather],
      outputKey: 'last_forecast',
    });
    const root = new LlmAgent({
      name: 'front_desk',
      description: 'Greets users',
      model,
      instruction: 'You are the front desk. Route questions.',
      subAgents: [weather],
    });
    const runner = new Runner({ appName: 'weather_app', agent: root, sessionService: sessions });

    const events = await lastValueFrom(
      runner.run('ana', 'trip', userContent('What is the weather in Lisbon?')).pipe(toArray()),
    );
    const stored = events.filter((event) => !event.partial);
    expect(stored.map((event) => event.author)).toEqual([
      'front_desk',
      'front_desk',
      'weather',
      'weather',
      'weather',
    ]);
    expect(stored[1]!.actions.transferToAgent).toBe('weather');
    expect(getFunctionCalls(stored[2]!)).toEqual([
      { id: 'call_w1', name: 'get_weather', args: { city: 'Lisbon' } },
    ]);
    expect(getFunctionResponses(stored[3]!)[0]!.response).toEqual({ city: 'Lisbon', celsius: 22 });
    expect(textOf(stored[4]!.content)).toBe('It is 22 degrees in Lisbon.');
    expect(stored[4]!.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(
      events
        .filter((event) => event.partial)
        .map((event) => textOf(event.content))
        .join(''),
    ).toBe('It is 22 degrees in Lisbon.');
    expect(calledWith).toEqual(['Lisbon']);

    // What went over the wire: the root was offered the transfer; the weather agent saw its tool result.
    expect(
      requests[0]!.tools!.find((tool) => tool.function.name === 'transfer_to_agent')!.function
        .parameters.properties.agent_name!.enum,
    ).toEqual(['weather']);
    expect(requests[0]!.stream_options).toEqual({ include_usage: true });
    const toolTurn = requests[2]!.messages;
    expect(toolTurn.at(-2)).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_w1', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } },
      ],
    });
    expect(toolTurn.at(-1)).toEqual({
      role: 'tool',
      tool_call_id: 'call_w1',
      content: '{"city":"Lisbon","celsius":22}',
    });

    // A second service over the same schema reads what the first stored.
    const reader = new PostgresSessionService({ connectionString, schema, migrate: false });
    try {
      const session = await reader.getSession({
        appName: 'weather_app',
        userId: 'ana',
        sessionId: 'trip',
      });
      expect(session!.events.map((event) => event.author)).toEqual([
        'user',
        'front_desk',
        'front_desk',
        'weather',
        'weather',
        'weather',
      ]);
      expect(session!.state).toMatchObject({
        'user:last_city': 'Lisbon',
        last_forecast: 'It is 22 degrees in Lisbon.',
      });
    } finally {
      await reader.close();
    }

    // The next turn goes straight to the weather agent (the last agent to answer).
    const before = requests.length;
    const next = await lastValueFrom(
      runner
        .run('ana', 'trip', userContent('And in Porto?'), { runConfig: { streamingMode: 'none' } })
        .pipe(toArray()),
    );
    expect(next.map((event) => event.author)).toEqual(['weather', 'weather', 'weather']);
    expect(
      requests
        .slice(before)
        .every((request) => request.messages[0]!.content!.startsWith('You forecast')),
    ).toBe(true);
    expect(requests.at(-1)!.stream).toBeUndefined();
    expect(textOf(next.at(-1)!.content)).toBe('It is 19 degrees in Porto.');
    expect(calledWith).toEqual(['Lisbon', 'Porto']);
  });
});
