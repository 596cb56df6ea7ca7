/**
 * Holds the newest object of one kind (the instances of a class, the events one function makes)
 * until the next one replaces it, so that V8 keeps their hidden class, and the code compiled
 * for it, through a full collection that runs while none is in use.
 *
 * V8 holds the shape an object reaches by adding fields (every class instance's) only through
 * the objects that have it. A full collection between runs (an idle process: V8's memory
 * reducer collects after a burst of work) drops the shapes of every per-run object and
 * deoptimizes each function compiled against them, and the next runs pay until those are
 * compiled again: in the peer benchmark, whose batches of 2,000 turns each follow a forced
 * collection, a turn cost about 38 µs without keepers and 14–15 µs with them.
 *
 * One object per keeper is held, never more, and keepers are never released (make one per
 * kind, at module level); what the kept object refers to (its run's session, its
 * runner's services) stays reachable until the next one replaces it. The runner's and the
 * agents' per-run classes keep their instances from their constructors, and the code that makes
 * a turn's short-lived records (events, model requests, responses and answers) keeps the newest
 * one. A custom agent with per-run objects of its own on its hot path may use one too.
 *
 * @example
 * ```ts
 * const runStateShape = new ShapeKeeper<RunState>();
 * class RunState {
 *   constructor(readonly step: number) {
 *     runStateShape.keep(this);
 *   }
 * }
 * ```
 */
export class ShapeKeeper<T extends object = object> {
  /**
   * Every keeper made: a keeper lives as long as the process, wherever it was made (V8 does not
   * keep a module's top-level constant that no function refers to once the module has run).
   * Make one per kind of object, at module level.
   */
  static readonly #all: ShapeKeeper[] = [];
  #newest: T | undefined;

  constructor() {
    ShapeKeeper.#all.push(this);
  }

  /** The newest object kept, if any. */
  get newest(): T | undefined {
    return this.#newest;
  }

  /** Keeps `instance` in place of the one kept before. */
  keep(instance: T): void {
    this.#newest = instance;
  }
}
