import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The body of a node request as a Fetch `Request` can carry it, in one of three states:
 * `stream` (nobody has read it: it streams in with back-pressure), `parsed` (a body parser such
 * as `express.json()` read it and left the result in `req.body`: it is served from there) or
 * `lost` (something read it and kept nothing).
 *
 * A streamed body that the handler never reads or gives up on (a 413, a 415, a refusal) is not
 * destroyed, which would reset the connection under a client that is still sending and lose
 * the answer with it: the listener {@link RequestBody.drain}s it after answering, up to a bound.
 */
export class RequestBody {
  /** Which of the three states the body is in. */
  readonly kind: 'stream' | 'parsed' | 'lost';
  /** What the `Request` is made with (absent when the body is lost). */
  readonly stream: ReadableStream<Uint8Array> | Uint8Array | string | undefined;
  readonly #req: IncomingMessage;
  #pulled = false;
  #cancelled = false;
  #draining = false;
  #drainedBytes = 0;

  private constructor(req: IncomingMessage & { body?: unknown }) {
    this.#req = req;
    // `readableDidRead`: something took data from the stream (a parser), even if it did not end.
    if (!req.readableDidRead && !req.readableEnded) {
      this.kind = 'stream';
      this.stream = this.#streamOf(req);
    } else if (req.body !== undefined) {
      this.kind = 'parsed';
      const parsed = req.body;
      this.stream =
        typeof parsed === 'string' || parsed instanceof Uint8Array
          ? parsed
          : JSON.stringify(parsed);
    } else {
      this.kind = 'lost';
      this.stream = undefined;
    }
  }

  /** The body of `req`, in whatever state earlier middleware left it. */
  static of(req: IncomingMessage & { body?: unknown }): RequestBody {
    return new RequestBody(req);
  }

  /** True when the handler never read the streamed body or cancelled it before its end. */
  abandoned(): boolean {
    return this.kind === 'stream' && (!this.#pulled || this.#cancelled);
  }

  /**
   * Reads and discards the rest of the body, so the connection stays usable and a client still
   * sending reads the answer instead of a reset. Past `maxBytes`, the socket is destroyed once
   * `res` has finished (the answer has long left by then).
   */
  drain(maxBytes: number, res: ServerResponse): void {
    this.#draining = true;
    const req = this.#req;
    const onData = (chunk: Buffer): void => {
      this.#drainedBytes += chunk.byteLength;
      if (this.#drainedBytes <= maxBytes) return;
      req.off('data', onData);
      req.pause();
      if (res.writableFinished) req.socket.destroy();
      else res.once('finish', () => req.socket.destroy());
    };
    req.on('data', onData);
    req.on('error', () => undefined);
    req.resume();
  }

  #streamOf(req: IncomingMessage): ReadableStream<Uint8Array> {
    let settled = false;
    // Paused until the handler pulls, so a body nobody reads is not taken off the wire.
    req.pause();
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          req.on('data', (chunk: Buffer) => {
            if (this.#draining || this.#cancelled || settled) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 0) <= 0) req.pause();
          });
          req.once('end', () => {
            if (settled || this.#cancelled) return;
            settled = true;
            controller.close();
          });
          // The client went away mid-body: the read fails (an 'error' listener keeps the
          // process alive).
          const fail = (error: unknown): void => {
            if (settled || this.#cancelled) return;
            settled = true;
            controller.error(error);
          };
          req.on('error', fail);
          req.once('close', () => {
            if (!req.complete) fail(new Error('the client went away before the end of the body'));
          });
        },
        pull: () => {
          this.#pulled = true;
          req.resume();
        },
        cancel: () => {
          this.#cancelled = true;
          req.pause();
        },
      },
      // Nothing is read ahead: a chunk is taken off the wire only when the handler asks for one.
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
  }
}
