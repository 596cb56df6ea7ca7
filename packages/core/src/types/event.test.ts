import { describe, expect, it } from 'vitest';
import { createEvent, getFunctionCalls, isFinalResponse, newEventId } from '../index.js';

describe('createEvent', () => {
  it('fills id, timestamp, empty invocation and author, and both action maps', () => {
    const before = Date.now();
    const event = createEvent({ content: { role: 'model', parts: [{ text: 'hi' }] } });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.timestamp).toBeGreaterThanOrEqual(before);
    expect([event.invocationId, event.author]).toEqual(['', '']);
    expect(event.actions).toEqual({ stateDelta: {}, artifactDelta: {} });
  });

  it('keeps given fields and partial actions without sharing the actions object', () => {
    const actions = { transferToAgent: 'billing' };
    const event = createEvent({ id: 'e1', author: 'router', timestamp: 5, actions });
    expect(event).toMatchObject({ id: 'e1', author: 'router', timestamp: 5 });
    expect(event.actions).toEqual({
      transferToAgent: 'billing',
      stateDelta: {},
      artifactDelta: {},
    });
    expect(event.actions).not.toBe(actions);
  });
});

describe('isFinalResponse', () => {
  const call = { role: 'model', parts: [{ functionCall: { id: 'c', name: 't', args: {} } }] };
  it('is false for function calls and partial events, true for plain text', () => {
    expect(isFinalResponse(createEvent({ content: call }))).toBe(false);
    expect(
      isFinalResponse(
        createEvent({ partial: true, content: { role: 'model', parts: [{ text: 'a' }] } }),
      ),
    ).toBe(false);
    expect(
      isFinalResponse(createEvent({ content: { role: 'model', parts: [{ text: 'a' }] } })),
    ).toBe(true);
  });
  it('is true for skipSummarization and long-running tool calls', () => {
    expect(
      isFinalResponse(createEvent({ content: call, actions: { skipSummarization: true } })),
    ).toBe(true);
    expect(isFinalResponse(createEvent({ content: call, longRunningToolIds: ['c'] }))).toBe(true);
    // As in ADK, these two win over `partial`.
    expect(
      isFinalResponse(createEvent({ partial: true, actions: { skipSummarization: true } })),
    ).toBe(true);
    expect(isFinalResponse(createEvent({ content: call, longRunningToolIds: [] }))).toBe(false);
    expect(getFunctionCalls(createEvent({ content: call }))).toHaveLength(1);
  });
});

describe('newEventId', () => {
  it('gives distinct ids in UUID form, one random prefix per process and a counter', () => {
    const ids = Array.from({ length: 2000 }, () => newEventId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [ids[0]!, ids.at(-1)!]) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(ids[0]!.slice(0, 24)).toBe(ids.at(-1)!.slice(0, 24));
    expect(parseInt(ids.at(-1)!.slice(24), 16) - parseInt(ids[0]!.slice(24), 16)).toBe(1999);
  });
});
