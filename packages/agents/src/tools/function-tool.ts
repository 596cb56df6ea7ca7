import { z } from 'zod';
import {
  InvalidArgumentError,
  validateLongRunningMode,
  type JsonSchema,
  type LongRunningMode,
  type RequireConfirmation,
  type ToolContext,
} from '@ferrite/core';
import {
  checkAgainstSchema,
  compileSchema,
  type ArgumentCheck,
  type SelfValidatingTool,
} from './tool-arguments.js';
import { validateToolName } from './tool-name.js';

/** A tool's parameters: a zod schema or a JSON Schema object. */
export type ToolParameters = z.ZodType | JsonSchema;

/** The arguments `execute` receives: the zod schema's output, or a plain object for JSON Schema. */
export type ToolArguments<TParameters> = TParameters extends z.ZodType
  ? z.output<TParameters>
  : Record<string, unknown>;

/** Settings of a {@link FunctionTool}. */
export interface FunctionToolConfig<TParameters extends ToolParameters> {
  /** Name the model calls it by: 1–64 letters, digits, `_`, `.` or `-`. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** The arguments' schema; an object with no properties when absent. */
  parameters?: TParameters;
  /** Does the work; objects go back to the model as they are, other values as `{ result }`. */
  execute: (args: ToolArguments<TParameters>, context: ToolContext) => unknown;
  /** A thrown error fails the run with ToolCallError instead of going back to the model. Default false. */
  failRunOnError?: boolean;
  /** The call starts work that finishes outside this turn (the agent stops after answering it). */
  isLongRunning?: boolean;
  /**
   * With `isLongRunning`: `'pause'` stops the invocation after the call's first result;
   * `'continue'` lets the model go on with it. Default: `RunConfig.longRunning`, else `'pause'`.
   */
  longRunning?: LongRunningMode;
  /**
   * Every call (or every call the predicate picks, from its checked arguments) waits for the
   * person's confirmation; the invocation pauses until it is answered. Default false.
   */
  requireConfirmation?: RequireConfirmation<ToolContext>;
  /** The person may edit the arguments when confirming (the answer's payload replaces them). Default false. */
  editableArguments?: boolean;
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/**
 * A tool backed by a function, its arguments described by a zod schema or JSON Schema and
 * checked before every call (the model sees a failed check as the tool's answer).
 *
 * @example
 * ```ts
 * const weather = new FunctionTool({
 *   name: 'get_weather',
 *   description: 'Current weather of a city',
 *   parameters: z.object({ city: z.string() }),
 *   execute: async ({ city }) => ({ city, temperature: 21 }),
 * });
 * ```
 */
export class FunctionTool<
  TParameters extends ToolParameters = JsonSchema,
> implements SelfValidatingTool {
  /** Name the model calls it by. */
  readonly name: string;
  /** What the tool does, for the model. */
  readonly description: string;
  /** JSON Schema of the arguments, as declared to the model. */
  readonly parameters: JsonSchema;
  /** Whether a thrown error fails the run with ToolCallError instead of going back to the model. */
  readonly failRunOnError: boolean;
  /** Whether a call starts work that finishes outside the turn. */
  readonly isLongRunning: boolean;
  /** What a long-running call does to its turn; undefined: the run's setting. */
  readonly longRunning: LongRunningMode | undefined;
  /** Whether (or for which arguments) a call waits for the person's confirmation. */
  readonly requireConfirmation: RequireConfirmation<ToolContext>;
  /** Whether the person may edit the arguments when confirming. */
  readonly editableArguments: boolean;
  readonly #zod: z.ZodType | undefined;
  readonly #execute: FunctionToolConfig<TParameters>['execute'];

  constructor(config: FunctionToolConfig<TParameters>) {
    this.name = validateToolName(config.name);
    if (typeof config.description !== 'string') {
      throw new InvalidArgumentError(`Tool '${config.name}' needs a description string`);
    }
    if (typeof config.execute !== 'function') {
      throw new InvalidArgumentError(`Tool '${config.name}' needs an execute function`);
    }
    this.description = config.description;
    this.failRunOnError = config.failRunOnError ?? false;
    this.isLongRunning = config.isLongRunning ?? false;
    validateLongRunningMode(config.longRunning, `longRunning of tool '${config.name}'`);
    this.longRunning = config.longRunning;
    const confirm = config.requireConfirmation ?? false;
    if (typeof confirm !== 'boolean' && typeof confirm !== 'function') {
      throw new InvalidArgumentError(
        `requireConfirmation of tool '${config.name}' must be a boolean or a function`,
      );
    }
    this.requireConfirmation = confirm;
    this.editableArguments = config.editableArguments === true;
    this.#execute = config.execute;
    const parameters = config.parameters ?? { type: 'object', properties: {} };
    if (isZodSchema(parameters)) {
      this.#zod = parameters;
      let schema: JsonSchema;
      try {
        schema = z.toJSONSchema(parameters, { io: 'input', target: 'draft-7' });
      } catch (error) {
        throw new InvalidArgumentError(
          `The zod schema of tool '${config.name}' cannot be expressed as JSON Schema: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const { $schema: _ignored, ...declared } = schema;
      this.parameters = Object.freeze(declared);
    } else {
      this.#zod = undefined;
      compileSchema(parameters, this.name);
      this.parameters = parameters;
    }
  }

  /**
   * Checks arguments the model sent; the value passed to `execute` has defaults applied. A JSON
   * Schema is checked at once (no promise); a zod schema may refine asynchronously.
   */
  validateArguments(args: Record<string, unknown>): ArgumentCheck | Promise<ArgumentCheck> {
    if (!this.#zod) return checkAgainstSchema(this.parameters, this.name, args);
    return this.#checkWithZod(this.#zod, args);
  }

  async #checkWithZod(schema: z.ZodType, args: Record<string, unknown>): Promise<ArgumentCheck> {
    const result = await schema.safeParseAsync(args);
    if (result.success) return { ok: true, value: result.data as Record<string, unknown> };
    return { ok: false, message: z.prettifyError(result.error) };
  }

  /**
   * Runs the function with arguments already checked by {@link FunctionTool.validateArguments}.
   * A function that throws gives a rejected promise, as an async one would.
   */
  execute(args: Record<string, unknown>, context: ToolContext): Promise<unknown> {
    try {
      // The function's own promise when it returns one (no async frame around it).
      return Promise.resolve(this.#execute(args as ToolArguments<TParameters>, context));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the original error, unchanged
      return Promise.reject(error);
    }
  }
}
