import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@ferrite/core';
import { BodyTemplate, DEFAULT_BODY_TEMPLATE, type TemplateValues } from './body-template.js';
import { parseJsonPath, valueAt } from './json-path.js';

const values: TemplateValues = {
  input: 'a "b"\n{{userId}}',
  sessionId: 's1',
  userId: 'u1',
  appName: 'app',
  invocationId: 'inv',
  state: { n: 2, user: { name: 'Ana' }, list: [10, 20] },
};

describe('BodyTemplate', () => {
  it('keeps the type of whole-string placeholders and splices text into longer strings', () => {
    const template = new BodyTemplate(
      {
        q: '{{input}}',
        n: '{{state.n}}',
        who: 'user {{state.user.name}} ({{userId}})',
        second: '{{state.list[1]}}',
        all: ['{{ state }}'],
        fixed: true,
      },
      'test',
    );
    expect(template.render(values)).toEqual({
      q: 'a "b"\n{{userId}}',
      n: 2,
      who: 'user Ana (u1)',
      second: 20,
      all: [values.state],
      fixed: true,
    });
  });

  it('renders the default template like the JSONL input message', () => {
    expect(new BodyTemplate(DEFAULT_BODY_TEMPLATE, 'test').render(values)).toEqual({
      type: 'input',
      input: values.input,
      context: {
        sessionId: 's1',
        userId: 'u1',
        appName: 'app',
        invocationId: 'inv',
        state: values.state,
      },
    });
  });

  it('rejects unknown placeholders and invalid JSON text', () => {
    expect(() => new BodyTemplate({ a: '{{password}}' }, 'test')).toThrow(InvalidArgumentError);
    expect(() => new BodyTemplate({ a: '{{input.x}}' }, 'test')).toThrow(/unknown placeholder/);
    expect(() => new BodyTemplate('{"a": {{input}}}', 'test')).toThrow(/not valid JSON/);
  });
});

describe('JSON paths', () => {
  it('parses keys and indexes', () => {
    expect(parseJsonPath('choices[0].message.content', 'p')).toEqual([
      'choices',
      0,
      'message',
      'content',
    ]);
    expect(parseJsonPath('[2].text', 'p')).toEqual([2, 'text']);
    expect(valueAt({ a: [{ b: 'x' }] }, parseJsonPath('a[0].b', 'p'))).toBe('x');
    expect(valueAt({ a: { 0: 'not an array' } }, parseJsonPath('a[0]', 'p'))).toBeUndefined();
  });

  it.each(['', 'a..b', 'a.', '.a', 'a[x]', 'a.[0]', 'a[0]b'])('rejects %j', (path) => {
    expect(() => parseJsonPath(path, 'outputPath')).toThrow(InvalidArgumentError);
  });
});
