import { describe, expect, it } from 'vitest';
import { OutputLimitError, userContent } from '@ferrite/core';
import { TestAgent, collect, makeRunner, say } from '../testing/runner-fixtures.js';

// outputCharLimit is a bound the output may reach but not pass: exactly the limit completes,
// one character more fails, counted over every text event of the run.
describe('outputCharLimit at its boundary', () => {
  const limit = 10;

  it('completes a run whose text is exactly the limit', async () => {
    const agent = new TestAgent('root', () => [say('12345'), say('67890')]);
    const { runner, stored } = makeRunner(agent, { runConfig: { outputCharLimit: limit } });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(result.error).toBeUndefined();
    expect(result.completed).toBe(true);
    expect(result.events).toHaveLength(2);
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'root', 'root']);
  });

  it('fails a run whose text is one character over, storing nothing of the event that crosses', async () => {
    const agent = new TestAgent('root', () => [say('12345'), say('678901')]);
    const { runner, stored } = makeRunner(agent, { runConfig: { outputCharLimit: limit } });
    const result = await collect(runner.run('u1', 's1', userContent('hi')));
    expect(OutputLimitError.isInstance(result.error)).toBe(true);
    expect(result.events).toHaveLength(1);
    expect((await stored()).map((e) => e.author)).toEqual(['user', 'root']);
  });

  it('applies the same boundary to a single event', async () => {
    const exact = makeRunner(new TestAgent('root', () => [say('x'.repeat(limit))]), {
      runConfig: { outputCharLimit: limit },
    });
    expect((await collect(exact.runner.run('u1', 's1', userContent('hi')))).completed).toBe(true);
    const over = makeRunner(new TestAgent('root', () => [say('x'.repeat(limit + 1))]), {
      runConfig: { outputCharLimit: limit },
    });
    const result = await collect(over.runner.run('u1', 's1', userContent('hi')));
    expect(OutputLimitError.isInstance(result.error)).toBe(true);
    expect(result.events).toEqual([]);
  });
});
