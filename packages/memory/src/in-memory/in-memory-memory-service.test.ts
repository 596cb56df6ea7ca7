import { createEvent, userContent, type Session } from '@ferrite/core';
import { memoryServiceContract } from '@ferrite/core/testing';
import { describe, expect, it } from 'vitest';
import { InMemoryMemoryService } from '../index.js';

memoryServiceContract(
  'InMemoryMemoryService',
  { create: () => new InMemoryMemoryService() },
  { matching: 'lexical' },
);

describe('InMemoryMemoryService', () => {
  const session: Session = {
    id: 's1',
    appName: 'app',
    userId: 'u1',
    state: {},
    events: [createEvent({ author: 'user', content: userContent('keep this note') })],
    lastUpdateTime: 0,
    revision: 1,
  };

  it('returns copies: changing a result changes nothing remembered', async () => {
    const memory = new InMemoryMemoryService();
    await memory.addSessionToMemory(session);
    const [first] = (await memory.searchMemory({ appName: 'app', userId: 'u1', query: 'note' }))
      .memories;
    first!.content.parts[0]!.text = 'changed';
    const [again] = (await memory.searchMemory({ appName: 'app', userId: 'u1', query: 'note' }))
      .memories;
    expect(again?.content.parts[0]?.text).toBe('keep this note');
  });

  it('rejects invalid names and limits with InvalidArgumentError', async () => {
    const memory = new InMemoryMemoryService();
    await expect(
      memory.searchMemory({ appName: '../x', userId: 'u1', query: 'note' }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(
      memory.searchMemory({ appName: 'app', userId: 'u1', query: 'note', limit: 0 }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(memory.addSessionToMemory({ ...session, userId: 'a b' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
