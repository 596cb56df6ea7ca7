import { describe, it, expect } from 'vitest';
import { parseCommand } from './parse-command.js';

describe('parseCommand', () => {
  it('reads chat, serve and help with their defaults', () => {
    expect(parseCommand([])).toEqual({ kind: 'chat', userId: 'user', sessionId: undefined });
    expect(parseCommand(['chat', '--user', 'ann', '--session', 's1'])).toEqual({
      kind: 'chat',
      userId: 'ann',
      sessionId: 's1',
    });
    expect(parseCommand(['serve'])).toEqual({ kind: 'serve', port: 8080, host: '127.0.0.1' });
    expect(parseCommand(['serve', '--port=0', '--host', '0.0.0.0'])).toEqual({
      kind: 'serve',
      port: 0,
      host: '0.0.0.0',
    });
    expect(parseCommand(['serve', '-h'])).toEqual({ kind: 'help' });
    expect(parseCommand(['help'])).toEqual({ kind: 'help' });
  });

  it('explains what is wrong with a bad command line in a few words', () => {
    const invalid = (argv: string[]): string => {
      const command = parseCommand(argv);
      if (command.kind !== 'invalid') throw new Error(`accepted ${argv.join(' ')}`);
      return command.message;
    };
    expect(invalid(['--bogus'])).toBe("unknown option '--bogus'");
    expect(invalid(['-x'])).toBe("unknown option '-x'");
    expect(invalid(['serve', '--port'])).toBe('--port needs a value');
    expect(invalid(['serve', '--port', '--host', 'x'])).toBe('--port needs a value');
    expect(invalid(['--help=yes'])).toBe('--help takes no value');
    expect(invalid(['serve', '--port', '70000'])).toMatch(
      /--port must be an integer from 0 to 65535/,
    );
    expect(invalid(['serve', '--port', '-1'])).toMatch(/--port/);
    expect(invalid(['serve', '--user', 'ann'])).toMatch(/belong to the chat command/);
    expect(invalid(['chat', '--port', '1'])).toMatch(/belong to the serve command/);
    expect(invalid(['chat', '--user', 'a b'])).toMatch(/invalid --user/);
    expect(invalid(['deploy'])).toBe("unknown command 'deploy'");
    expect(invalid(['serve', 'now'])).toBe("unexpected argument 'now'");
  });
});
