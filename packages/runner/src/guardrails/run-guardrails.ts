import {
  ShapeKeeper,
  GuardrailError,
  InputGuardrailTripwireError,
  OutputGuardrailTripwireError,
  FerriteError,
  isPrivateToBranch,
  type Agent,
  type Content,
  type Event,
  type GuardrailResult,
  type InputGuardrail,
  type OutputGuardrail,
} from '@ferrite/core';
import type { RunInvocationContext } from '../context/run-invocation-context.js';
import type { HaltControl } from '../invocation/halt-control.js';
import type { AgentTree } from '../runner/agent-tree.js';

type Verdict = { name: string; result: GuardrailResult };

async function verdictOf(
  guardrail: InputGuardrail | OutputGuardrail,
  run: () => GuardrailResult | Promise<GuardrailResult>,
): Promise<Verdict> {
  let result: GuardrailResult;
  try {
    result = await run();
  } catch (error) {
    if (FerriteError.isInstance(error)) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new GuardrailError(guardrail.name, `Guardrail '${guardrail.name}' failed: ${detail}`, {
      cause: error,
    });
  }
  if (
    typeof result !== 'object' ||
    result === null ||
    typeof result.tripwireTriggered !== 'boolean'
  ) {
    throw new GuardrailError(
      guardrail.name,
      `Guardrail '${guardrail.name}' returned no verdict ({ tripwireTriggered: boolean })`,
    );
  }
  return { name: guardrail.name, result };
}

/** The first tripped verdict in list order, or undefined. */
function firstTrip(verdicts: readonly Verdict[]): Verdict | undefined {
  return verdicts.find((verdict) => verdict.result.tripwireTriggered);
}

function textOfAnswer(content: Content): string {
  return content.parts
    .filter((part) => typeof part.text === 'string' && !part.thought)
    .map((part) => part.text)
    .join('');
}

const runGuardrailsShape = new ShapeKeeper<RunGuardrails>();

/**
 * The run's guardrails (`RunConfig.inputGuardrails`/`outputGuardrails`, then those of the agent
 * concerned). Input guardrails with `runInParallel: false` must pass before the agent starts;
 * the others run alongside it and a trip stops the invocation (its stream errors with the trip).
 * Output guardrails check the invocation's final answer after the agents are done.
 */
export class RunGuardrails {
  readonly #control: HaltControl;
  readonly #tree: AgentTree;
  #parallel: Promise<void> | undefined;

  constructor(control: HaltControl, tree: AgentTree) {
    this.#control = control;
    this.#tree = tree;
    runGuardrailsShape.keep(this);
  }

  /**
   * Runs the blocking input guardrails, then starts the parallel ones; throws a trip. Without
   * input guardrails it returns nothing to await (no async frame per run).
   */
  beforeAgent(context: RunInvocationContext): Promise<void> | undefined {
    const run = context.runConfig.inputGuardrails ?? [];
    const own = context.agent.inputGuardrails ?? [];
    if (run.length === 0 && own.length === 0) return undefined;
    return this.#beforeAgent(context, [...run, ...own]);
  }

  async #beforeAgent(context: RunInvocationContext, guardrails: InputGuardrail[]): Promise<void> {
    const check = (list: InputGuardrail[]): Promise<Verdict[]> =>
      Promise.all(
        list.map((guardrail) =>
          verdictOf(guardrail, () =>
            guardrail.execute({ input: context.userContent, agent: context.agent, context }),
          ),
        ),
      );
    const blocking = guardrails.filter((guardrail) => guardrail.runInParallel === false);
    const parallel = guardrails.filter((guardrail) => guardrail.runInParallel !== false);
    if (blocking.length > 0) {
      const tripped = firstTrip(await this.#control.guard(check(blocking)));
      if (tripped) throw inputTrip(tripped);
    }
    if (parallel.length > 0) {
      this.#parallel = check(parallel).then(
        (verdicts) => {
          const tripped = firstTrip(verdicts);
          if (tripped) this.#control.trip(inputTrip(tripped));
        },
        (error: unknown) => this.#control.trip(error as Error),
      );
    }
  }

  /** Waits for the parallel input guardrails (a trip stops the invocation). */
  afterAgent(): Promise<void> | undefined {
    if (!this.#parallel) {
      this.#control.checkpoint();
      return undefined;
    }
    return this.#afterParallel(this.#parallel);
  }

  async #afterParallel(parallel: Promise<void>): Promise<void> {
    await this.#control.guard(parallel);
    this.#control.checkpoint();
  }

  /**
   * Checks the invocation's final answer with the output guardrails; throws a trip. Without
   * output guardrails on the run or in the tree it neither looks for the answer nor awaits.
   */
  checkOutput(context: RunInvocationContext): Promise<void> | undefined {
    if ((context.runConfig.outputGuardrails?.length ?? 0) === 0 && !this.#tree.hasOutputGuardrails)
      return undefined;
    return this.#checkOutput(context);
  }

  async #checkOutput(context: RunInvocationContext): Promise<void> {
    const final = finalAnswerOf(context);
    if (!final?.content) return;
    const agent: Agent = this.#tree.find(final.author) ?? context.agent;
    const guardrails = [
      ...(context.runConfig.outputGuardrails ?? []),
      ...(agent.outputGuardrails ?? []),
    ];
    if (guardrails.length === 0) return;
    const content = final.content;
    const output = textOfAnswer(content);
    const verdicts = await this.#control.guard(
      Promise.all(
        guardrails.map((guardrail) =>
          verdictOf(guardrail, () => guardrail.execute({ output, content, agent, context })),
        ),
      ),
    );
    const tripped = firstTrip(verdicts);
    if (tripped) {
      throw new OutputGuardrailTripwireError(tripped.name, {
        outputInfo: tripped.result.outputInfo,
      });
    }
  }
}

function inputTrip(verdict: Verdict): InputGuardrailTripwireError {
  return new InputGuardrailTripwireError(verdict.name, { outputInfo: verdict.result.outputInfo });
}

/**
 * The invocation's final answer: its newest stored agent event with text and no function call
 * or response, outside private branches (an agent used as a tool answers its caller, not the
 * user).
 */
function finalAnswerOf(context: RunInvocationContext): Event | undefined {
  const events = context.session.events;
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index]!;
    if (event.invocationId !== context.invocationId) return undefined;
    if (event.author === 'user' || isPrivateToBranch(event) || !event.content) continue;
    const parts = event.content.parts;
    if (parts.some((part) => part.functionCall || part.functionResponse)) return undefined;
    if (parts.some((part) => typeof part.text === 'string' && !part.thought)) return event;
  }
  return undefined;
}
