import type { Observable } from 'rxjs';
import {
  InvalidArgumentError,
  TargetError,
  validateAgentName,
  type Agent,
  type Event,
  type InvocationContext,
} from '@ferrite/core';
import { observeTurn } from './observe-turn.js';
import { TargetReply } from './target-reply.js';

/** Default bound on one turn's reply, in characters. */
const DEFAULT_MAX_OUTPUT_CHARS = 4 * 1024 * 1024;

/** The settings every target agent takes. */
export interface TargetAgentConfig {
  /** The agent's name in the agent tree (the author of its events); see `validateAgentName`. */
  name: string;
  /** What the agent does, for transfers and humans. */
  description?: string;
  /** Longest reply of one turn, in characters, streamed deltas or final output (default 4 Mi). */
  maxOutputChars?: number;
}

/**
 * What the target agents share: the name rule, the `Agent` shape, and the turn skeleton. Each
 * turn runs as a cold Observable (see `observeTurn`) with a {@link TargetReply} that bounds and
 * emits what the target sends; a subclass only moves messages.
 */
export abstract class TargetAgent implements Agent {
  /** The agent's name in the agent tree. */
  readonly name: string;
  /** What the agent does. */
  readonly description: string;
  /** Always empty: whatever runs behind a target agent is one agent. */
  readonly subAgents: readonly Agent[] = [];
  /** Set by the runner when the agent sits under another one. */
  parentAgent?: Agent | undefined;
  /** How errors name the agent, e.g. `ProcessAgent "echo"`. */
  protected readonly label: string;
  readonly #maxOutputChars: number;

  protected constructor(kind: string, config: TargetAgentConfig) {
    this.name = agentName(kind, config.name);
    this.description = config.description ?? '';
    this.label = `${kind} "${this.name}"`;
    this.#maxOutputChars = positiveInteger(
      config.maxOutputChars,
      DEFAULT_MAX_OUTPUT_CHARS,
      'maxOutputChars',
      this.label,
    );
  }

  /** Runs one turn: sends the user's message and streams the answer back as events. */
  run(context: InvocationContext): Observable<Event> {
    return observeTurn(context, (signal, emit) =>
      this.turn(
        context,
        signal,
        new TargetReply({
          author: this.name,
          label: this.label,
          maxOutputChars: this.#maxOutputChars,
          outputCharLimit: context.runConfig.outputCharLimit,
          emit,
        }),
      ),
    );
  }

  /** One turn: send the input, feed what comes back into `reply` until it is final. */
  protected abstract turn(
    context: InvocationContext,
    signal: AbortSignal,
    reply: TargetReply,
  ): Promise<void>;

  /** The error of a turn after `close()`. */
  protected closedError(): TargetError {
    return new TargetError(`${this.label}: the agent is closed`);
  }

  /** The error of a turn that ran out of time. */
  protected timeoutError(timeoutMs: number): TargetError {
    return new TargetError(`${this.label}: timed out after ${timeoutMs} ms`);
  }
}

function agentName(kind: string, name: unknown): string {
  try {
    return validateAgentName(name);
  } catch (error) {
    throw new InvalidArgumentError(`${kind}: ${(error as Error).message}`, { cause: error });
  }
}

/** `value` when it is a positive integer, `fallback` when absent; InvalidArgumentError otherwise. */
function positiveInteger(
  value: number | undefined,
  fallback: number,
  key: string,
  label: string,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${label}: ${key} must be a positive integer`);
  }
  return value;
}
