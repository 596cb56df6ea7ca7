import type { Redis } from 'ioredis';

/**
 * Connections for blocking reads (`XREAD BLOCK` holds its connection until it answers), duplicated
 * from a command client and reused: a read borrows one and gives it back when its call returns, so
 * a run's reader costs no connection setup once the pool is warm. At most `maxIdle` are kept idle.
 */
export class BlockingPool {
  readonly #source: Redis;
  readonly #maxIdle: number;
  readonly #idle: Redis[] = [];
  readonly #all = new Set<Redis>();
  #closed = false;

  constructor(source: Redis, maxIdle: number) {
    this.#source = source;
    this.#maxIdle = maxIdle;
  }

  /** An idle connection, or a new one. */
  borrow(): Redis {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    const client = this.#source.duplicate({ lazyConnect: true });
    client.on('error', () => {});
    this.#all.add(client);
    return client;
  }

  /** Gives a connection back; one with a failed call (`broken`) or beyond the idle cap is closed. */
  giveBack(client: Redis, broken = false): void {
    if (this.#closed || broken || this.#idle.length >= this.#maxIdle) {
      this.#all.delete(client);
      client.disconnect();
      return;
    }
    this.#idle.push(client);
  }

  /** Closes every connection, borrowed or idle (a blocked read then fails). */
  close(): void {
    this.#closed = true;
    for (const client of this.#all) client.disconnect();
    this.#all.clear();
    this.#idle.length = 0;
  }
}
