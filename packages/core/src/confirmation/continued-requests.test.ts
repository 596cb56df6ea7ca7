import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { createEvent, type Event } from '../types/event.js';
import { bindAnswers } from './bind-answers.js';
import { LONG_RUNNING_CONTINUE_KEY, isPausingEvent } from './long-running-mode.js';
import { pendingRequestsOf } from './pending-requests.js';

const user = (invocationId: string, text: string): Event =>
  createEvent({ invocationId, author: 'user', content: { role: 'user', parts: [{ text }] } });

/** A model's call of a long-running tool, its turn continued or paused. */
function longRunningCall(invocationId: string, id: string, continued: boolean): Event {
  return createEvent({
    invocationId,
    author: 'jobs',
    content: { role: 'model', parts: [{ functionCall: { id, name: 'start_job', args: {} } }] },
    longRunningToolIds: [id],
    ...(continued ? { customMetadata: { [LONG_RUNNING_CONTINUE_KEY]: [id] } } : {}),
  });
}

const result = (id: string) => ({
  role: 'user' as const,
  parts: [{ functionResponse: { id, name: 'start_job', response: { done: true } } }],
});

describe('long-running calls whose turn continued', () => {
  it('stay pending across ordinary messages until answered; paused ones are abandoned', () => {
    const events = [
      user('inv-1', 'start a'),
      longRunningCall('inv-1', 'job-a', true),
      user('inv-2', 'start b'),
      longRunningCall('inv-2', 'job-b', false),
      user('inv-3', 'how is it going?'),
    ];
    expect(pendingRequestsOf(events)).toEqual([
      expect.objectContaining({ id: 'job-a', longRunning: 'continue', invocationId: 'inv-1' }),
    ]);
    expect(bindAnswers(events, result('job-a'))?.invocationId).toBe('inv-1');
    const answered = [
      ...events,
      createEvent({ invocationId: 'inv-1', author: 'user', content: result('job-a') }),
    ];
    expect(pendingRequestsOf(answered)).toEqual([]);
  });

  it('refuses one message answering requests of two invocations', () => {
    const events = [
      user('inv-1', 'start a'),
      longRunningCall('inv-1', 'job-a', true),
      user('inv-2', 'start b'),
      longRunningCall('inv-2', 'job-b', false),
    ];
    expect(pendingRequestsOf(events).map((request) => request.id)).toEqual(['job-a', 'job-b']);
    const both = {
      role: 'user' as const,
      parts: [...result('job-a').parts, ...result('job-b').parts],
    };
    expect(() => bindAnswers(events, both)).toThrow(InvalidArgumentError);
    expect(() => bindAnswers(events, both)).toThrow(/two invocations/);
  });

  it('do not count as pausing events', () => {
    expect(isPausingEvent(longRunningCall('i', 'c', true))).toBe(false);
    expect(isPausingEvent(longRunningCall('i', 'c', false))).toBe(true);
    expect(isPausingEvent(user('i', 'hi'))).toBe(false);
  });
});
