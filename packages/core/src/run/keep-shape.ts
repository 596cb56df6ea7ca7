const newest = new Map<object, object>();

/**
 * Keeps the newest instance of the class `kind` referenced until the next one replaces it, so
 * that V8 keeps the hidden class of its instances, and the code compiled for it, through a full
 * collection that runs while no instance is in use.
 *
 * V8 holds the shape an object reaches by adding fields (every class instance's) only through
 * the objects that have it. A full collection between runs (an idle process: V8's memory
 * reducer collects after a burst of work) drops the shapes of every per-run object and
 * deoptimizes each function compiled against them, and the next runs pay until those are
 * compiled again: in the peer benchmark, whose batches of 2,000 turns each follow a forced
 * collection, a turn cost about 38 µs without this and 19 µs with it.
 *
 * One instance per class is held, never more; what it refers to (its run's session, its
 * runner's services) stays reachable until the next instance of the class replaces it. The
 * runner's and the agents' per-run classes call it from their constructors; the code that
 * makes a turn's short-lived records (events, model requests, responses and answers) calls it
 * with the newest one, under a key of its own. A custom agent with per-run objects of its own
 * on its hot path may call it too.
 */
export function keepShape(kind: object, instance: object): void {
  newest.set(kind, instance);
}
