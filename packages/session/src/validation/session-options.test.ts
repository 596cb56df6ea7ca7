import { describe, expect, it } from 'vitest';
import { createEvent, type Event } from '@ferrite/core';
import { toStorableEvent } from './session-options.js';

describe('toStorableEvent', () => {
  it('copies an event that already has both maps and no temp: keys as it is, frozen', () => {
    const event = createEvent({
      author: 'agent',
      content: { role: 'model', parts: [{ text: 'hi' }] },
      actions: { stateDelta: { 'user:n': 1 }, artifactDelta: { 'a.txt': 0 } },
    });
    const stored = toStorableEvent(event);
    expect(stored).toEqual(JSON.parse(JSON.stringify(event)));
    expect(stored).not.toBe(event);
    expect(Object.isFrozen(stored.actions.stateDelta)).toBe(true);
    expect(Object.isFrozen(event)).toBe(false);
  });

  it('drops temp: keys and fills missing or broken action maps', () => {
    const withTemp = createEvent({
      author: 'a',
      actions: { stateDelta: { k: 1, 'temp:x': () => 1 } },
    });
    expect(toStorableEvent(withTemp).actions).toEqual({ stateDelta: { k: 1 }, artifactDelta: {} });
    expect(withTemp.actions.stateDelta).toHaveProperty('temp:x');
    const bare = { id: 'e1', invocationId: '', author: 'a', timestamp: 1 } as Event;
    expect(toStorableEvent(bare).actions).toEqual({ stateDelta: {}, artifactDelta: {} });
    const broken = {
      ...bare,
      actions: { stateDelta: {}, artifactDelta: null },
    } as unknown as Event;
    expect(toStorableEvent(broken).actions).toEqual({ stateDelta: {}, artifactDelta: {} });
  });
});
