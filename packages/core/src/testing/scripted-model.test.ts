import { describe, expect, it } from 'vitest';
import { ModelError } from '../errors/model-error.js';
import type { ModelRequest, ModelResponse } from '../model/model.js';
import { textOf } from '../types/content.js';
import { ScriptedModel, untilAborted } from './scripted-model.js';

const request = (text: string): ModelRequest => ({
  contents: [{ role: 'user', parts: [{ text }] }],
  tools: [],
});

async function collect(
  model: ScriptedModel,
  req: ModelRequest,
  options: { stream?: boolean; signal?: AbortSignal } = {},
): Promise<ModelResponse[]> {
  const responses: ModelResponse[] = [];
  const signal = options.signal ?? new AbortController().signal;
  for await (const response of model.generate(req, { stream: options.stream ?? false, signal })) {
    responses.push(response);
  }
  return responses;
}

describe('ScriptedModel', () => {
  it('replays text, content and full responses in order, one per call', async () => {
    const call = { id: 'c1', name: 'lookup', args: { q: 'x' } };
    const model = new ScriptedModel([
      'plain text',
      { role: 'model', parts: [{ functionCall: call }] },
      { content: { role: 'model', parts: [{ text: 'done' }] }, usage: { outputTokens: 2 } },
    ]);
    expect(model.remaining).toBe(3);
    expect(await collect(model, request('a'))).toEqual([
      { content: { role: 'model', parts: [{ text: 'plain text' }] } },
    ]);
    expect(await collect(model, request('b'))).toEqual([
      { content: { role: 'model', parts: [{ functionCall: call }] } },
    ]);
    const [last] = await collect(model, request('c'));
    expect(last).toEqual({
      content: { role: 'model', parts: [{ text: 'done' }] },
      usage: { outputTokens: 2 },
    });
    expect(model.remaining).toBe(0);
  });

  it('records a copy of every request, so later changes by the caller do not show', async () => {
    const model = new ScriptedModel(['one', 'two']);
    const first = request('first');
    await collect(model, first);
    first.contents.push({ role: 'model', parts: [{ text: 'added later' }] });
    await collect(model, request('second'));
    expect(model.requests.map((r) => r.contents.map(textOf))).toEqual([['first'], ['second']]);
  });

  it('records nothing when recordRequests is off', async () => {
    const model = new ScriptedModel(['one'], { recordRequests: false });
    await collect(model, request('x'));
    expect(model.requests).toEqual([]);
  });

  it('streams text in partial chunks, then one complete response with the whole text', async () => {
    const model = new ScriptedModel(
      [
        {
          role: 'model',
          parts: [{ text: 'thinking', thought: true }, { text: 'abcdefg' }],
        },
      ],
      { chunkSize: 3 },
    );
    const responses = await collect(model, request('x'), { stream: true });
    expect(responses.filter((r) => r.partial).map((r) => textOf(r.content))).toEqual([
      'abc',
      'def',
      'g',
    ]);
    const complete = responses.at(-1)!;
    expect(complete.partial).toBeUndefined();
    expect(complete.content?.parts).toEqual([
      { text: 'thinking', thought: true },
      { text: 'abcdefg' },
    ]);
    expect(responses).toHaveLength(4);
  });

  it('answers with the result of a function turn, which sees the request', async () => {
    const model = new ScriptedModel([
      (req) => `you said ${textOf(req.contents[0])}`,
      async () => 'async answer',
    ]);
    expect(textOf((await collect(model, request('hi')))[0]?.content)).toBe('you said hi');
    expect(textOf((await collect(model, request('x')))[0]?.content)).toBe('async answer');
  });

  it('throws a scripted error, and a ModelError once the script is used up', async () => {
    const failure = new Error('provider down');
    const model = new ScriptedModel([failure]);
    await expect(collect(model, request('a'))).rejects.toBe(failure);
    const exhausted = await collect(model, request('b')).catch((error: unknown) => error);
    expect(ModelError.isInstance(exhausted)).toBe(true);
    expect((exhausted as Error).message).toContain('no answer left for call 2');
    model.push('more');
    expect(textOf((await collect(model, request('c')))[0]?.content)).toBe('more');
  });

  it('stops with the abort reason when the signal is aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by caller');
    controller.abort(reason);
    const model = new ScriptedModel(['never']);
    await expect(collect(model, request('x'), { signal: controller.signal })).rejects.toBe(reason);
  });

  it('stops between streamed chunks once the signal aborts', async () => {
    const controller = new AbortController();
    const model = new ScriptedModel(['abcdefghij'], { chunkSize: 2 });
    const seen: string[] = [];
    const run = (async () => {
      for await (const response of model.generate(request('x'), {
        stream: true,
        signal: controller.signal,
      })) {
        seen.push(textOf(response.content));
        if (seen.length === 2) controller.abort(new Error('stop'));
      }
    })();
    await expect(run).rejects.toThrow('stop');
    expect(seen).toEqual(['ab', 'cd']);
  });
});

describe('untilAborted', () => {
  it('rejects with the reason once the signal aborts, at once when already aborted', async () => {
    const controller = new AbortController();
    const pending = untilAborted(controller.signal);
    controller.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
    await expect(untilAborted(controller.signal)).rejects.toThrow('gone');
  });
});
