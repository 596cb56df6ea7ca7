import { abortableDelay } from '../async/abortable-delay.js';
import { ModelError } from '../errors/model-error.js';
import type { Content, Part } from '../types/content.js';
import type { GenerateOptions, Model, ModelRequest, ModelResponse } from '../model/model.js';

/** What a scripted call answers: text, content, a full response, an error to throw, or a function of the request. */
export type ScriptedTurn =
  | string
  | Content
  | ModelResponse
  | Error
  | ((request: ModelRequest, options: GenerateOptions) => ScriptedTurn | Promise<ScriptedTurn>);

/** Options of {@link ScriptedModel}. */
export interface ScriptedModelConfig {
  name?: string;
  /** When streaming, text is yielded in partial chunks of this many characters (default 8). */
  chunkSize?: number;
  /** Waits this long before each yielded response (default 0), honouring the abort signal. */
  delayMs?: number;
  /** Keeps a copy of every request in `requests` (default true); benchmarks turn it off. */
  recordRequests?: boolean;
}

/**
 * A {@link Model} that replays scripted answers in order and records every request, so agent
 * and runner tests run without a network.
 *
 * @example
 * ```ts
 * const model = new ScriptedModel([
 *   { content: { role: 'model', parts: [{ functionCall: { id: 'c1', name: 'get_weather', args: { city: 'Lisbon' } } }] } },
 *   'It is sunny in Lisbon.',
 * ]);
 * // ... run an agent with it, then:
 * expect(model.requests).toHaveLength(2);
 * ```
 */
export class ScriptedModel implements Model {
  /** `'scripted'` unless the options name it. */
  readonly name: string;
  /** Every request received, in order. */
  readonly requests: ModelRequest[] = [];
  readonly #turns: ScriptedTurn[];
  readonly #chunkSize: number;
  readonly #delayMs: number;
  readonly #recordRequests: boolean;
  #calls = 0;

  constructor(turns: ScriptedTurn[], options: ScriptedModelConfig = {}) {
    this.#turns = [...turns];
    this.name = options.name ?? 'scripted';
    this.#chunkSize = Math.max(1, options.chunkSize ?? 8);
    this.#delayMs = options.delayMs ?? 0;
    this.#recordRequests = options.recordRequests ?? true;
  }

  /** Scripted answers not yet used. */
  get remaining(): number {
    return this.#turns.length;
  }

  /** Appends more scripted answers. */
  push(...turns: ScriptedTurn[]): void {
    this.#turns.push(...turns);
  }

  /** Answers with the next scripted turn; a {@link ModelError} once the script is used up. */
  async *generate(request: ModelRequest, options: GenerateOptions): AsyncGenerator<ModelResponse> {
    this.#calls += 1;
    if (this.#recordRequests) this.requests.push(structuredClone(request));
    options.signal.throwIfAborted();
    let turn = this.#turns.shift();
    if (turn === undefined) {
      throw new ModelError(
        `ScriptedModel '${this.name}' has no answer left for call ${this.#calls}`,
      );
    }
    while (typeof turn === 'function') turn = await turn(request, options);
    if (turn instanceof Error) throw turn;
    const response = toResponse(turn);
    if (options.stream) {
      for (const part of response.content?.parts ?? []) {
        if (part.text === undefined || part.thought) continue;
        for (let at = 0; at < part.text.length; at += this.#chunkSize) {
          await this.#pause(options.signal);
          yield {
            partial: true,
            content: {
              role: 'model',
              parts: [{ text: part.text.slice(at, at + this.#chunkSize) }],
            },
          };
        }
      }
    }
    await this.#pause(options.signal);
    yield response;
  }

  async #pause(signal: AbortSignal): Promise<void> {
    if (this.#delayMs > 0) await abortableDelay(this.#delayMs, signal);
    signal.throwIfAborted();
  }
}

function toResponse(turn: string | Content | ModelResponse): ModelResponse {
  if (typeof turn === 'string') return { content: { role: 'model', parts: [{ text: turn }] } };
  if ('parts' in turn && Array.isArray(turn.parts)) return { content: turn };
  const response = turn as ModelResponse;
  return response.content
    ? {
        ...response,
        content: {
          ...response.content,
          parts: response.content.parts.map((p: Part) => ({ ...p })),
        },
      }
    : response;
}

/** A promise that never resolves and rejects with the signal's reason once it aborts (a model or tool that hangs). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
