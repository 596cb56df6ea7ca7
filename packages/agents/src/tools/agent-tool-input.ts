import { InvalidArgumentError, type Agent } from '@ferrite/core';
import { FunctionTool, type ToolParameters } from './function-tool.js';

function isSchemaObject(value: unknown): value is ToolParameters {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A tool that only checks arguments against an agent's input schema: zod (its JSON Schema is what
 * the model is offered) or JSON Schema (checked with ajv). The schema must describe an object.
 */
export function inputArgumentsTool(
  agentName: string,
  toolName: string,
  description: string,
  schema: ToolParameters,
): FunctionTool<ToolParameters> {
  const tool = new FunctionTool<ToolParameters>({
    name: toolName,
    description,
    parameters: schema,
    execute: () => undefined,
  });
  if (tool.parameters.type !== 'object') {
    throw new InvalidArgumentError(
      `The inputSchema of agent '${agentName}' must describe an object (the tool's arguments), got type ${JSON.stringify(tool.parameters.type) ?? 'none'}`,
    );
  }
  return tool;
}

/**
 * Checks an agent's `inputSchema` when it is built: absent, or a zod schema or JSON Schema object
 * describing an object; InvalidArgumentError otherwise.
 */
export function checkedInputSchema(agentName: string, schema: unknown): ToolParameters | undefined {
  if (schema === undefined) return undefined;
  if (!isSchemaObject(schema)) {
    throw new InvalidArgumentError(
      `The inputSchema of agent '${agentName}' must be a zod schema or a JSON Schema object`,
    );
  }
  inputArgumentsTool(agentName, 'input', 'input', schema);
  return schema;
}

/** The input schema an agent declares (an `inputSchema` property), if any. */
export function inputSchemaOf(agent: Agent): ToolParameters | undefined {
  const schema = (agent as { inputSchema?: unknown }).inputSchema;
  return checkedInputSchema(agent.name, schema);
}
