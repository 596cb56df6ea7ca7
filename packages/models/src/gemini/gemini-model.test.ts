import { describe, expect, it } from 'vitest';
import { ModelError, type ModelRequest } from '@ferrite/core';
import { GeminiModel } from './gemini-model.js';
import { collect, startLocalServer, writeSse } from '../testing/local-http-server.js';

const request: ModelRequest = {
  systemInstruction: 'Answer in French.',
  contents: [
    { role: 'user', parts: [{ text: 'Weather in Lyon?' }] },
    {
      role: 'model',
      parts: [{ functionCall: { id: 'ferrite-123', name: 'get_weather', args: { city: 'Lyon' } } }],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { id: 'ferrite-123', name: 'get_weather', response: { temp: 18 } } },
      ],
    },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  config: { temperature: 0.1, topP: 0.9, maxOutputTokens: 64, stopSequences: ['END'] },
};

const chunk = (parts: object[], extra: object = {}): string =>
  JSON.stringify({
    candidates: [{ content: { parts, role: 'model' }, index: 0, ...extra }],
    modelVersion: 'gemini-2.5-flash',
    responseId: 'r1',
  });

function modelFor(
  url: string,
  extra: Partial<ConstructorParameters<typeof GeminiModel>[0]> = {},
): GeminiModel {
  return new GeminiModel({
    apiKey: 'AIza-test',
    model: 'gemini-2.5-flash',
    baseURL: `${url}/v1beta`,
    ...extra,
    retry: { initialDelayMs: 10, ...extra.retry },
  });
}

const signal = (): AbortSignal => new AbortController().signal;

describe('GeminiModel', () => {
  it('maps the request onto generateContent and reads the answer', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          candidates: [
            {
              content: { role: 'model', parts: [{ text: 'Il fait 18 degrés.' }] },
              finishReason: 'STOP',
              index: 0,
            },
          ],
          usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 6, totalTokenCount: 36 },
          modelVersion: 'gemini-2.5-flash',
        }),
      );
    });
    const responses = await collect(
      modelFor(server.url).generate(request, { stream: false, signal: signal() }),
    );
    const sent = server.requests[0]!;
    expect(sent.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('AIza-test');
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: 'Answer in French.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Lyon?' }] },
        {
          role: 'model',
          parts: [{ functionCall: { name: 'get_weather', args: { city: 'Lyon' } } }],
        },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { temp: 18 } } }],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Weather of a city',
              parametersJsonSchema: {
                type: 'object',
                properties: { city: { type: 'string' } },
                required: ['city'],
              },
            },
          ],
        },
      ],
      generationConfig: {
        temperature: 0.1,
        topP: 0.9,
        maxOutputTokens: 64,
        stopSequences: ['END'],
      },
    });
    expect(responses).toEqual([
      {
        content: { role: 'model', parts: [{ text: 'Il fait 18 degrés.' }] },
        finishReason: 'STOP',
        usage: { inputTokens: 30, outputTokens: 6 },
      },
    ]);
  });

  it('streams with alt=sse: text partials, then the whole answer with function calls', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(
        res,
        [
          chunk([{ text: 'Je regarde' }]),
          chunk([{ text: ' la météo.' }]),
          chunk([{ functionCall: { name: 'get_weather', args: { city: 'Lyon' } } }], {
            finishReason: 'STOP',
          }),
          JSON.stringify({
            candidates: [
              { content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' },
            ],
            usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 9, thoughtsTokenCount: 3 },
          }),
        ],
        5,
      );
      res.end();
    });
    const responses = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    );
    expect(server.requests[0]!.url).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(responses.filter((r) => r.partial).map((r) => r.content?.parts[0]?.text)).toEqual([
      'Je regarde',
      ' la météo.',
    ]);
    const last = responses.at(-1)!;
    expect(last.partial).toBeUndefined();
    expect(last.content?.parts[0]).toEqual({ text: 'Je regarde la météo.' });
    expect(last.content?.parts[1]?.functionCall).toMatchObject({
      name: 'get_weather',
      args: { city: 'Lyon' },
    });
    expect(last.content?.parts[1]?.functionCall?.id).toMatch(/^ferrite-/);
    expect(last.usage).toEqual({ inputTokens: 12, outputTokens: 12 });
  });

  it('keeps thought signatures and sends them back', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          candidates: [
            {
              content: {
                role: 'model',
                parts: [
                  {
                    functionCall: { name: 'get_weather', args: { city: 'Nice' } },
                    thoughtSignature: 'c2lnLTE=',
                  },
                ],
              },
              finishReason: 'STOP',
            },
          ],
        }),
      );
    });
    const model = modelFor(server.url);
    const [response] = await collect(model.generate(request, { stream: false, signal: signal() }));
    expect(response!.content!.parts[0]).toMatchObject({
      thoughtSignature: 'c2lnLTE=',
      functionCall: { name: 'get_weather' },
    });
    await collect(
      model.generate(
        { ...request, contents: [...request.contents, response!.content!] },
        { stream: false, signal: signal() },
      ),
    );
    const sentContents = server.requests[1]!.body.contents as unknown[];
    expect(sentContents.at(-1)).toEqual({
      role: 'model',
      parts: [
        {
          functionCall: { name: 'get_weather', args: { city: 'Nice' } },
          thoughtSignature: 'c2lnLTE=',
        },
      ],
    });
  });

  it('retries a 429 after Retry-After, then succeeds', async () => {
    await using server = await startLocalServer(async (_req, res, index) => {
      if (index === 0) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(
          JSON.stringify({
            error: {
              code: 429,
              message: 'Resource has been exhausted',
              status: 'RESOURCE_EXHAUSTED',
            },
          }),
        );
        return;
      }
      await writeSse(res, [chunk([{ text: 'ok' }], { finishReason: 'STOP' })]);
      res.end();
    });
    // The backoff alone would wait about a minute, past this test's timeout.
    const responses = await collect(
      modelFor(server.url, { retry: { initialDelayMs: 60_000, maxRetries: 1 } }).generate(request, {
        stream: true,
        signal: signal(),
      }),
    );
    expect(server.requests).toHaveLength(2);
    expect(responses.at(-1)!.content?.parts).toEqual([{ text: 'ok' }]);
  }, 15_000);

  it('fails without retrying on a 500 after output was yielded', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [
        chunk([{ text: 'Un' }]),
        JSON.stringify({
          error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' },
        }),
      ]);
      res.end();
    });
    const error = await collect(
      modelFor(server.url).generate(request, { stream: true, signal: signal() }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'model.error', status: 500 });
    expect((error as Error).message).not.toContain('AIza-test');
    expect(server.requests).toHaveLength(1);
  });

  it('reports a 400 as a non-retryable ModelError', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT' },
        }),
      );
    });
    const error = await collect(
      modelFor(server.url).generate(request, { stream: false, signal: signal() }),
    ).catch((e: unknown) => e);
    expect(ModelError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('cancels a stalled stream when the signal aborts', async () => {
    await using server = await startLocalServer(async (_req, res) => {
      await writeSse(res, [chunk([{ text: 'Hmm' }])]);
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

  it('surfaces a blocked prompt as an error code on the response', async () => {
    await using server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          promptFeedback: { blockReason: 'SAFETY' },
          usageMetadata: { promptTokenCount: 4 },
        }),
      );
    });
    const [response] = await collect(
      modelFor(server.url).generate(request, { stream: false, signal: signal() }),
    );
    expect(response).toMatchObject({ errorCode: 'SAFETY', content: { role: 'model', parts: [] } });
  });
});
