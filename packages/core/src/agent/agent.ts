import type { ObservableInput } from 'rxjs';
import type { Event } from '../types/event.js';
import type { InvocationContext } from './invocation-context.js';
import type { InputGuardrail, OutputGuardrail } from '../run/guardrail.js';

/**
 * Something that takes a turn in a session: an LLM agent, a workflow of agents, or a program
 * elsewhere. `run` yields events; the runner fills their ids, timestamps and authors, stores
 * them and emits them.
 */
export interface Agent {
  /** Unique within the agent tree; transfers and event authors refer to it. */
  readonly name: string;
  /** What the agent does, shown to other agents deciding on a transfer. */
  readonly description: string;
  /** The agents this one may hand over to (or runs, for workflow agents). */
  readonly subAgents: readonly Agent[];
  /** Set by the runner (or a parent agent) to the agent that holds this one. */
  parentAgent?: Agent | undefined;
  /** False for workflow agents: the next turn is not routed back to them. Default true. */
  readonly acceptsTransfer?: boolean;
  /** Checks of the user's message when this agent answers it (after the run's own). */
  readonly inputGuardrails?: readonly InputGuardrail[] | undefined;
  /** Checks of the final answer when this agent gives it (after the run's own). */
  readonly outputGuardrails?: readonly OutputGuardrail[] | undefined;
  /** Runs one turn of this agent; an Observable, async iterable, promise or array of events. */
  run(context: InvocationContext): ObservableInput<Event>;
}
