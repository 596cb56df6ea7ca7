import type { Redis } from 'ioredis';
import { Observable } from 'rxjs';
import { UnavailableError, toFerriteError, type Event } from '@ferrite/core';
import { BlockingPool } from './blocking-pool.js';
import {
  decodeEntry,
  encodeEntry,
  type RunEnd,
  type RunMeta,
  type RunStreamEntry,
} from './run-stream-entry.js';
import { APPEND_ENTRY, FINISH_RUN, OPEN_RUN, RUN_PAGE, runScript } from './run-stream-scripts.js';

/** Settings of {@link RunStreams}. */
export interface RunStreamsConfig {
  /** The command client (the caller owns it); blocking reads use duplicates of it. */
  readonly client: Redis;
  /** Prefix of every key and of the control channel. */
  readonly keyPrefix: string;
  /** Entries kept per run (`XADD MAXLEN ~`): older ones are trimmed. */
  readonly maxLength: number;
  /** How long a run's stream stays readable after its end. */
  readonly retentionMs: number;
  /** How long a live run's stream outlives its last entry (a writer that vanished). */
  readonly liveTtlMs: number;
  /** Longest wait of one blocking read; an idle reader checks on the run this often. */
  readonly blockMs: number;
  /** How long a reader keeps retrying an unreachable Redis before it fails. */
  readonly unreachableMs: number;
}

/** One entry as read, with its stream id (the position a reader resumes after). */
export interface ReadEntry {
  readonly id: string;
  readonly entry: RunStreamEntry;
}

/**
 * Where an event is in a run's stream: `found` at stream id `id`; `absent` from a stream Redis
 * still knows; or `lost`: Redis no longer knows the run (its meta is gone), so its history is gone.
 */
export type EventSearch =
  | { readonly kind: 'found'; readonly id: string }
  | { readonly kind: 'absent' }
  | { readonly kind: 'lost' };

/** Options of {@link RunStreams.read}. */
export interface ReadRunOptions {
  /** Stream id to read after; default the start. */
  readonly after?: string;
  /** Called when a blocking read found nothing new: the place to notice a run nobody will end. */
  readonly onIdle?: () => Promise<void>;
}

const PAGE = 512;

/**
 * The Redis Streams of queued runs: one stream per invocation (`<prefix>run:{id}`) holding every
 * event the run emitted, partials included, then one terminal entry. Entries are appended by
 * scripts that refuse to write after the end or into a run Redis has lost, so a reader never sees
 * a gap or a second ending. Streams are capped (`MAXLEN ~`) and expire after the run ends.
 */
export class RunStreams {
  readonly #config: RunStreamsConfig;
  readonly #pool: BlockingPool;

  constructor(config: RunStreamsConfig) {
    this.#config = config;
    this.#pool = new BlockingPool(config.client, 16);
  }

  /** The channel that carries cancel requests to workers. */
  get controlChannel(): string {
    return `${this.#config.keyPrefix}run-control`;
  }

  #keys(invocationId: string): [stream: string, done: string, meta: string] {
    const base = `${this.#config.keyPrefix}run:{${invocationId}}`;
    return [base, `${base}:done`, `${base}:meta`];
  }

  #cancelKey(invocationId: string): string {
    return `${this.#config.keyPrefix}run:{${invocationId}}:cancel`;
  }

  /** Registers a new run; false when a run with this id exists already. */
  async open(invocationId: string, meta: RunMeta): Promise<boolean> {
    const created = await runScript(this.#config.client, OPEN_RUN, this.#keys(invocationId), [
      this.#config.liveTtlMs,
      JSON.stringify(meta),
    ]);
    return created === 1;
  }

  /**
   * Appends an event: `'written'`, `'ended'` (the run has its terminal entry; nothing is written)
   * or `'lost'` (Redis no longer knows the run).
   */
  async append(invocationId: string, event: Event): Promise<'written' | 'ended' | 'lost'> {
    const [type, data] = encodeEntry({ type: 'event', event });
    const result = await runScript(this.#config.client, APPEND_ENTRY, this.#keys(invocationId), [
      this.#config.maxLength,
      this.#config.liveTtlMs,
      type,
      data,
    ]);
    return result === 1 ? 'written' : result === 0 ? 'ended' : 'lost';
  }

  /** Writes the run's terminal entry; false when it had one already (the first end wins). */
  async finish(invocationId: string, end: RunEnd): Promise<boolean> {
    const [type, data] = encodeEntry(end);
    const [, lost] = encodeEntry({
      type: 'error',
      code: 'run.worker_lost',
      message: `Redis lost run ${invocationId} (its events are gone); the turn is not run again`,
    });
    const result = await runScript(this.#config.client, FINISH_RUN, this.#keys(invocationId), [
      this.#config.maxLength,
      this.#config.retentionMs,
      type,
      data,
      lost,
    ]);
    return result === 1;
  }

  /** Who started the run, or undefined when Redis does not know it (never queued, or expired). */
  async meta(invocationId: string): Promise<RunMeta | undefined> {
    const raw = await this.#config.client.get(this.#keys(invocationId)[2]);
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as RunMeta;
    } catch {
      return undefined;
    }
  }

  /** Asks the worker running it (or the one that will pick it) to cancel the run. */
  async cancel(invocationId: string): Promise<void> {
    await this.#config.client
      .multi()
      .set(this.#cancelKey(invocationId), '1', 'PX', this.#config.retentionMs)
      .publish(this.controlChannel, `cancel:${invocationId}`)
      .exec();
  }

  /** True when a cancel was asked for the run. */
  async isCancelled(invocationId: string): Promise<boolean> {
    return (await this.#config.client.exists(this.#cancelKey(invocationId))) === 1;
  }

  /**
   * Where the stored event `eventId` is in the run's stream. Every page is read together with a
   * check of the run's meta (one script), so a run Redis lost between an attach's lookup and its
   * search (a restart) is `lost`, never an `absent` event of an intact stream.
   */
  async findEvent(invocationId: string, eventId: string): Promise<EventSearch> {
    const [stream, , meta] = this.#keys(invocationId);
    let start = '-';
    for (;;) {
      const page = (await runScript(
        this.#config.client,
        RUN_PAGE,
        [stream, meta],
        [start, PAGE],
      )) as [string, string[]][] | null;
      if (page === null) return { kind: 'lost' };
      for (const [id, fields] of page) {
        const entry = decodeEntry(fields);
        // Partial events share the id of the stored event that ends their reply: only that one counts.
        if (entry?.type === 'event' && entry.event.id === eventId && entry.event.partial !== true) {
          return { kind: 'found', id };
        }
      }
      if (page.length < PAGE) return { kind: 'absent' };
      start = `(${page[page.length - 1]![0]}`;
    }
  }

  /**
   * The run's entries from the start (or after `options.after`), live: the Observable waits for
   * new entries with `XREAD BLOCK` and completes after the terminal entry. It errors only when
   * Redis stays unreachable for `unreachableMs`.
   */
  read(invocationId: string, options: ReadRunOptions = {}): Observable<ReadEntry> {
    const [stream] = this.#keys(invocationId);
    const { blockMs, unreachableMs } = this.#config;
    return new Observable<ReadEntry>((subscriber) => {
      let stopped = false;
      let after = options.after ?? '0';
      const loop = async (): Promise<void> => {
        let failingSince: number | undefined;
        while (!stopped) {
          const client = this.#pool.borrow();
          let reply: [string, [string, string[]][]][] | null;
          try {
            reply = await client.xread('COUNT', PAGE, 'BLOCK', blockMs, 'STREAMS', stream, after);
            this.#pool.giveBack(client);
            failingSince = undefined;
          } catch (error) {
            this.#pool.giveBack(client, true);
            if (stopped) return;
            failingSince ??= Date.now();
            if (Date.now() - failingSince > unreachableMs) {
              subscriber.error(
                new UnavailableError(`the run's stream cannot be read: Redis is unreachable`, {
                  cause: error,
                }),
              );
              return;
            }
            await new Promise((resolve) => setTimeout(resolve, Math.min(200, blockMs)));
            continue;
          }
          if (stopped) return;
          if (reply === null) {
            await options.onIdle?.().catch(() => undefined);
            continue;
          }
          for (const [, entries] of reply) {
            for (const [id, fields] of entries) {
              after = id;
              const entry = decodeEntry(fields);
              if (entry === undefined) continue;
              subscriber.next({ id, entry });
              if (stopped) return;
              if (entry.type !== 'event') {
                stopped = true;
                subscriber.complete();
                return;
              }
            }
          }
        }
      };
      loop().catch((error: unknown) => {
        if (!stopped) subscriber.error(toFerriteError(error));
      });
      return () => {
        stopped = true;
      };
    });
  }

  /** Closes the blocking connections (readers still waiting then stop). */
  close(): void {
    this.#pool.close();
  }
}
