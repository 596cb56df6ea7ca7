import { describe, expect, it } from 'vitest';
import { ModelBehaviorError, ModelError, type ModelRequest } from '@ferrite/core';
import { OpenAIChatModel } from './openai-chat-model.js';
import { collect, startLocalServer, writeSse } from '../testing/local-http-server.js';

const base = {
  id: 'chatcmpl-9x',
  object: 'chat.completion.chunk',
  created: 1_732_000_000,
  model: 'gpt-4o-mini',
  system_fingerprint: 'fp_1',
};
const chunk = (delta: object, finish: string | null = null): string =>
  JSON.stringify({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
  });
const usageChunk = (prompt: number, completion: number): string =>
  JSON.stringify({
    ...base,
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    },
  });

const request: ModelRequest = {
  systemInstruction: 'You are terse.',
  contents: [
    { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
    {
      role: 'model',
      parts: [{ functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Paris' } } }],
    },
    {
      role: 'user',
      parts: [{ functionResponse: { id: 'call_1', name: 'get_weather', response: { temp: 21 } } }],
    },
    { role: 'model', parts: [{ text: 'It is 21 degrees.' }] },
    {
      role: 'user',
      parts: [{ text: 'And this?' }, { inlineData: { mimeType: 'image/png', data: 'AAAA' } }],
    },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      },
    },
  ],
  config: { temperature: 0.2, maxOutputTokens: 100, extra: { seed: 7 } },
};

function modelFor(
  url: string,
  extra: Partial<ConstructorParameters<typeof OpenAIChatModel>[0]> = {},
): OpenAIChatModel {
  return new OpenAIChatModel({
    baseURL: `${url}/v1`,
    apiKey: 'sk-test',
    model: 'gpt-4o-mini',
    ...extra,
    retry: { initialDelayMs: 10, ...extra.retry },
  });
}

const signal = (): AbortSignal => new AbortController().signal;

describe('OpenAIChatModel', () => {
  it('maps the request onto the Chat Completions wire format', async () => {
    await using server = await startLocalServer((_req, res) =>
      writeSse(res, [chunk({ content: 'ok' }, 'stop'), '[DONE]']).then(() => {
        res.end();
      }),
    );
    await collect(modelFor(server.url).generate(request, { stream: true, signal: signal() }));
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
        { role: 'assistant', content: 'It is 21 degrees.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'And this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather of a city',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
          },
        },
      ],
      temperature: 0.2,
      max_tokens: 100,
      seed: 7,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('streams text as partial responses, then the whole answer with usage', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(
        res,
        [
          chunk({ role: 'assistant', content: '', refusal: null }),
          chunk({ content: 'Hel' }),
          chunk({ content: 'lo!' }),
          chunk({}, 'stop'),
          usageChunk(9, 2),
          '[DONE]',
        ],
        5,
      );
      res.end();
    });
    const responses = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    );
    expect(responses.filter((r) => r.partial).map((r) => r.content?.parts[0]?.text)).toEqual([
      'Hel',
      'lo!',
    ]);
    const last = responses.at(-1)!;
    expect(last.partial).toBeUndefined();
    expect(last.content).toEqual({ role: 'model', parts: [{ text: 'Hello!' }] });
    expect(last.usage).toEqual({ inputTokens: 9, outputTokens: 2 });
    expect(last.finishReason).toBe('stop');
  });

  it('assembles tool-call deltas split across chunks by index', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const lines = [
        chunk({
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              index: 0,
              id: 'call_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '' },
            },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
        chunk({
          tool_calls: [
            {
              index: 1,
              id: 'call_b',
              type: 'function',
              function: { name: 'get_time', arguments: '{"zone":' },
            },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty": "Paris"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: ' "CET"}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk(20, 30),
        '[DONE]',
      ];
      // Split one SSE frame across two TCP writes, as proxies do.
      const wire = lines.map((line) => `data: ${line}\n\n`).join('');
      res.write(wire.slice(0, 333));
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.end(wire.slice(333));
    });
    const responses = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    );
    expect(responses).toHaveLength(1);
    expect(responses[0]!.content?.parts).toEqual([
      { functionCall: { id: 'call_a', name: 'get_weather', args: { city: 'Paris' } } },
      { functionCall: { id: 'call_b', name: 'get_time', args: { zone: 'CET' } } },
    ]);
    expect(responses[0]!.finishReason).toBe('tool_calls');
  });

  it('assembles tool calls from servers that send no index', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [
        chunk({
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":' },
            },
          ],
        }),
        chunk({ tool_calls: [{ function: { arguments: '"Rome"}' } }] }),
        chunk({
          tool_calls: [
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ]);
      res.end();
    });
    const [response] = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    );
    expect(response!.content?.parts).toEqual([
      { functionCall: { id: 'call_1', name: 'get_weather', args: { city: 'Rome' } } },
      { functionCall: { id: 'call_2', name: 'get_time', args: {} } },
    ]);
  });

  it('reads a non-streaming completion', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-1',
          object: 'chat.completion',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: 'Checking.',
                tool_calls: [
                  {
                    id: 'call_z',
                    type: 'function',
                    function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
                  },
                ],
                refusal: null,
              },
              logprobs: null,
              finish_reason: 'tool_calls',
            },
          ],
          usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
        }),
      );
    });
    const responses = await collect(
      modelFor(server.url).generate(request, { stream: false, signal: signal() }),
    );
    expect(server.requests[0]!.body.stream).toBeUndefined();
    expect(responses).toEqual([
      {
        content: {
          role: 'model',
          parts: [
            { text: 'Checking.' },
            { functionCall: { id: 'call_z', name: 'get_weather', args: { city: 'Oslo' } } },
          ],
        },
        finishReason: 'tool_calls',
        usage: { inputTokens: 5, outputTokens: 7 },
      },
    ]);
  });

  it('retries a 429 after the delay its Retry-After asks for, then succeeds', async () => {
    await using server = await startLocalServer(async (_req, res, index) => {
      if (index === 0) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(
          JSON.stringify({
            error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
          }),
        );
        return;
      }
      await writeSse(res, [chunk({ content: 'fine' }, 'stop'), '[DONE]']);
      res.end();
    });
    // The backoff alone would wait about a minute, past this test's timeout: only the
    // Retry-After of one second lets it finish.
    const responses = await collect(
      modelFor(server.url, { retry: { initialDelayMs: 60_000, maxRetries: 1 } }).generate(request, {
        stream: true,
        signal: signal(),
      }),
    );
    expect(server.requests).toHaveLength(2);
    expect(responses.at(-1)!.content?.parts).toEqual([{ text: 'fine' }]);
  }, 15_000);

  it('does not retry when Retry-After asks for more than a minute', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3600' });
      res.end(JSON.stringify({ error: { message: 'Daily quota used up' } }));
    });
    const error = await collect(
      modelFor(server.url).generate(request, { stream: false, signal: signal() }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'model.error', status: 429, retryable: true });
    expect((error as Error).message).toContain('Daily quota used up');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a stream that reports a 500 before any output, then succeeds', async () => {
    await using server = await startLocalServer(async (_req, res, index) => {
      await writeSse(
        res,
        index === 0
          ? [
              JSON.stringify({
                error: { message: 'upstream failed', type: 'server_error', code: 500 },
              }),
            ]
          : [chunk({ content: 'recovered' }, 'stop'), '[DONE]'],
      );
      res.end();
    });
    const responses = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    );
    expect(server.requests).toHaveLength(2);
    expect(responses.at(-1)!.content?.parts).toEqual([{ text: 'recovered' }]);
  });

  it('retries 5xx with backoff up to maxRetries, then fails with a retryable ModelError', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'overloaded' } }));
    });
    const error = await collect(
      modelFor(server.url, { retry: { maxRetries: 2 } }).generate(request, {
        stream: false,
        signal: signal(),
      }),
    ).catch((e: unknown) => e);
    expect(ModelError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 503, retryable: true, code: 'model.error' });
    expect((error as Error).message).toContain('overloaded');
    expect((error as Error).message).not.toContain('sk-test');
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 400 and reports it as not retryable', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'bad tools' } }));
    });
    const error = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('fails without retrying when a stream breaks after output was yielded', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [
        chunk({ content: 'Partial ans' }),
        JSON.stringify({
          error: {
            message: 'The server had an error while processing your request.',
            type: 'server_error',
            code: 500,
          },
        }),
      ]);
      res.end();
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const response of modelFor(server.url).generate(request, {
        stream: true,
        signal: signal(),
      }))
        seen.push(response.content?.parts[0]?.text ?? '');
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['Partial ans']);
    expect(error).toMatchObject({ code: 'model.error', status: 500, retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('fails without retrying when the connection drops mid-stream', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [chunk({ content: 'Hal' })]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      res.socket?.destroy();
    });
    const error = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    ).catch((e: unknown) => e);
    expect(ModelError.isInstance(error)).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('cancels a stalled stream when the signal aborts', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [chunk({ content: 'thinking' })]);
      // ...and never another byte.
    });
    const controller = new AbortController();
    const error = await (async () => {
      for await (const response of modelFor(server.url).generate(request, {
        stream: true,
        signal: controller.signal,
      })) {
        if (response.partial) setTimeout(() => controller.abort(), 50);
      }
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await server.closed(0);
  });

  it('times out a stalled stream with a retryable ModelError', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [chunk({ content: 'slow' })]);
    });
    const error = await collect(
      modelFor(server.url, { timeoutMs: 150, retry: { maxRetries: 0 } }).generate(request, {
        stream: true,
        signal: signal(),
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'model.error', retryable: true });
    expect((error as Error).message).toContain('150 ms');
  });

  it('reports an unreachable server as a retryable network error', async () => {
    const server = await startLocalServer(() => undefined);
    await server.close();
    const error = await collect(
      modelFor(server.url, { retry: { maxRetries: 1 } }).generate(request, {
        stream: false,
        signal: signal(),
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'model.error', retryable: true });
    expect((error as Error).message).toContain('network error');
  });

  it('rejects malformed tool arguments with ModelBehaviorError', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [
        chunk(
          {
            tool_calls: [
              {
                index: 0,
                id: 'c',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city": Par' },
              },
            ],
          },
          'tool_calls',
        ),
        '[DONE]',
      ]);
      res.end();
    });
    const error = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    ).catch((e: unknown) => e);
    expect(ModelBehaviorError.isInstance(error)).toBe(true);
  });

  it('validates its configuration', () => {
    expect(() => new OpenAIChatModel({ baseURL: 'localhost:11434', model: 'x' })).toThrow(
      /baseURL/,
    );
    expect(() => new OpenAIChatModel({ baseURL: 'http://localhost', model: '' })).toThrow(/model/);
  });
});
