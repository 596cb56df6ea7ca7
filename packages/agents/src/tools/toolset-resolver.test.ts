import { describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  type InvocationContext,
  type Tool,
  type Toolset,
} from '@ferrite/core';
import { FunctionTool } from './function-tool.js';
import { ToolsetResolver } from './toolset-resolver.js';

const context = {} as InvocationContext;
const tool = (name: string): Tool =>
  new FunctionTool({ name, description: name, execute: () => name });

describe('ToolsetResolver', () => {
  it('reuses the map and declarations while every toolset returns the same array', async () => {
    let list: readonly Tool[] = [tool('b')];
    const toolset: Toolset = {
      getTools: () => Promise.resolve(list),
      close: () => Promise.resolve(),
    };
    const resolver = new ToolsetResolver('agent', new Map([['a', tool('a')]]), [toolset]);
    const first = await resolver.resolve(context);
    expect([...first.tools.keys()]).toEqual(['a', 'b']);
    expect(first.declarations.map((d) => d.name)).toEqual(['a', 'b']);
    expect(await resolver.resolve(context)).toBe(first);
    list = [tool('b'), tool('c')];
    const second = await resolver.resolve(context);
    expect(second).not.toBe(first);
    expect(second.declarations.map((d) => d.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses duplicate and invalid names with InvalidArgumentError', async () => {
    const from = (tools: Tool[]): Toolset => ({
      getTools: () => Promise.resolve(tools),
      close: () => Promise.resolve(),
    });
    const duplicate = new ToolsetResolver('agent', new Map(), [
      from([tool('x')]),
      from([tool('x')]),
    ]);
    await expect(duplicate.resolve(context)).rejects.toSatisfy((error) =>
      InvalidArgumentError.isInstance(error),
    );
    const invalid: Tool = {
      name: 'bad name',
      description: '',
      execute: () => Promise.resolve(null),
    };
    const badName = new ToolsetResolver('agent', new Map(), [from([invalid])]);
    await expect(badName.resolve(context)).rejects.toSatisfy((error) =>
      InvalidArgumentError.isInstance(error),
    );
  });
});
