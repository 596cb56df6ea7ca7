import { ShapeKeeper, TEMP_PREFIX } from '@ferrite/core';

/** The writes one context took off its buffer, to be attached to one event. */
export interface TakenWrites {
  stateDelta: Record<string, unknown> | undefined;
  artifactDelta: Record<string, number> | undefined;
}

const pendingWritesShape = new ShapeKeeper<PendingWrites>();

/**
 * The state and artifact writes of one context that no event carries yet. Agents and tools
 * only add to it (through `ctx.state.set` and `ctx.artifacts.save`); the runner alone takes
 * from it, when it stores that context's next event or its closing event. It is never handed
 * to agent code.
 */
export class PendingWrites {
  #state: Record<string, unknown> = {};
  #stateCount = 0;
  #artifacts: Record<string, number> = {};
  #artifactCount = 0;

  constructor() {
    pendingWritesShape.keep(this);
  }

  /** True when nothing is waiting. */
  get isEmpty(): boolean {
    return this.#stateCount === 0 && this.#artifactCount === 0;
  }

  /** True when `key` was written and not yet taken. */
  hasState(key: string): boolean {
    return this.#stateCount > 0 && Object.hasOwn(this.#state, key);
  }

  /** The pending value of `key` (check {@link PendingWrites.hasState} first). */
  stateValue(key: string): unknown {
    return this.#state[key];
  }

  /** The pending state writes, for reads that merge them over the live state. */
  get state(): Readonly<Record<string, unknown>> {
    return this.#state;
  }

  /** Records a state write. */
  setState(key: string, value: unknown): void {
    if (!Object.hasOwn(this.#state, key)) this.#stateCount += 1;
    this.#state[key] = value;
  }

  /** Records a saved artifact version. */
  recordArtifact(filename: string, version: number): void {
    if (!Object.hasOwn(this.#artifacts, filename)) this.#artifactCount += 1;
    this.#artifacts[filename] = version;
  }

  /** Takes everything waiting (undefined for a buffer that held nothing) and empties the buffer. */
  take(): TakenWrites {
    let stateDelta: Record<string, unknown> | undefined;
    let artifactDelta: Record<string, number> | undefined;
    if (this.#stateCount > 0) {
      stateDelta = this.#state;
      this.#state = {};
      this.#stateCount = 0;
    }
    if (this.#artifactCount > 0) {
      artifactDelta = this.#artifacts;
      this.#artifacts = {};
      this.#artifactCount = 0;
    }
    return { stateDelta, artifactDelta };
  }

  /**
   * Moves the pending `temp:` keys into `liveState` (they are never stored, so they need no
   * event) and leaves the other writes waiting.
   */
  moveTempKeysTo(liveState: Record<string, unknown>): void {
    if (this.#stateCount === 0) return;
    for (const key of Object.keys(this.#state)) {
      if (!key.startsWith(TEMP_PREFIX)) continue;
      liveState[key] = this.#state[key];
      delete this.#state[key];
      this.#stateCount -= 1;
    }
  }
}
