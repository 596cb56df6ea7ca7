import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@ferrite/core';
import { HttpAgent } from '../http/http-agent.js';
import { ProcessAgent } from '../process/process-agent.js';
import { WebSocketAgent } from '../websocket/websocket-agent.js';

const make = {
  ProcessAgent: (name: string) => new ProcessAgent({ name, command: ['node'] }),
  HttpAgent: (name: string) => new HttpAgent({ name, url: 'http://127.0.0.1:1/agent' }),
  WebSocketAgent: (name: string) => new WebSocketAgent({ name, url: 'ws://127.0.0.1:1/agent' }),
};

describe.each(Object.entries(make))('%s names', (kind, create) => {
  // A dot would make the branch path of a parallel run ambiguous ('a.b' under 'p' reads as
  // 'p.a.b'); the agents follow the one rule of validateAgentName.
  it.each(['a.b', 'user', '', '1st', 'has space', 'x'.repeat(129)])('refuses %j', (name) => {
    expect(() => create(name)).toThrow(InvalidArgumentError);
    expect(() => create(name)).toThrow(new RegExp(`^${kind}: Invalid agent name`));
  });

  it.each(['echo', '_helper', 'remote-2', 'x'.repeat(128)])('accepts %s', (name) => {
    const agent = create(name);
    expect(agent.name).toBe(name);
    expect(agent.subAgents).toEqual([]);
    expect(agent.description).toBe('');
  });

  it('refuses a maxOutputChars that is not a positive integer', () => {
    for (const maxOutputChars of [0, -1, 1.5, Number.NaN]) {
      const attempt = () =>
        kind === 'ProcessAgent'
          ? new ProcessAgent({ name: 'a', command: ['node'], maxOutputChars })
          : kind === 'HttpAgent'
            ? new HttpAgent({ name: 'a', url: 'http://127.0.0.1:1/', maxOutputChars })
            : new WebSocketAgent({ name: 'a', url: 'ws://127.0.0.1:1/', maxOutputChars });
      expect(attempt).toThrow(/maxOutputChars must be a positive integer/);
    }
  });
});
