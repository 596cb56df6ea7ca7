import { createEvent, type Agent, type Event, type InvocationContext } from '@ferrite/core';

const TICK_MS = 40;

/**
 * A test agent without a model: `slow` streams `tick` chunks until cancelled; `tool` shows a
 * tool call, its result and a transfer; anything else is echoed back in three streamed pieces.
 */
export function fixtureAgent(): Agent {
  const helper: Agent = {
    name: 'helper',
    description: 'answers after a transfer',
    subAgents: [],
    run: (context) => helperTurn(context),
  };
  const root: Agent = {
    name: 'desk',
    description: 'test desk',
    subAgents: [helper],
    run: (context) => deskTurn(context),
  };
  return root;
}

function said(context: InvocationContext): string {
  return context.userContent.parts.map((part) => part.text ?? '').join('');
}

function model(text: string, partial = false): Event {
  return createEvent({
    content: { role: 'model', parts: [{ text }] },
    ...(partial ? { partial } : {}),
  });
}

async function* deskTurn(context: InvocationContext): AsyncGenerator<Event> {
  const text = said(context);
  if (text === 'slow') {
    let whole = '';
    for (let i = 0; i < 500; i++) {
      await delay(TICK_MS, context.signal);
      whole += `tick${i} `;
      yield model(`tick${i} `, true);
    }
    yield model(whole);
    return;
  }
  if (text === 'tool') {
    yield createEvent({
      content: {
        role: 'model',
        parts: [{ functionCall: { id: 'c1', name: 'lookup', args: { key: 'k' } } }],
      },
    });
    yield createEvent({
      content: {
        role: 'user',
        parts: [{ functionResponse: { id: 'c1', name: 'lookup', response: { value: 42 } } }],
      },
    });
    yield createEvent({
      content: {
        role: 'model',
        parts: [
          { functionCall: { id: 'c2', name: 'transfer_to_agent', args: { agent_name: 'helper' } } },
        ],
      },
    });
    yield createEvent({
      content: {
        role: 'user',
        parts: [
          {
            functionResponse: {
              id: 'c2',
              name: 'transfer_to_agent',
              response: { transferredTo: 'helper' },
            },
          },
        ],
      },
      actions: { transferToAgent: 'helper' },
    });
    return;
  }
  const pieces = ['echo: ', text, '!'];
  for (const piece of pieces) {
    await delay(5, context.signal);
    yield model(piece, true);
  }
  yield model(pieces.join(''));
}

async function* helperTurn(_context: InvocationContext): AsyncGenerator<Event> {
  yield model('helper here, the value is 42');
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}
