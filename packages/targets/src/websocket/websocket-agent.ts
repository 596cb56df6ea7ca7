import WebSocket from 'ws';
import {
  InvalidArgumentError,
  TargetError,
  type InvocationContext,
  abortableDelay,
} from '@ferrite/core';
import { describeUrl } from '../internal/describe-url.js';
import { abortError, turnSignal } from '../internal/abort.js';
import { exchangeMessages } from '../internal/exchange-messages.js';
import { substituteRecord, substituteVariables } from '../internal/substitute-variables.js';
import { TargetAgent, type TargetAgentConfig } from '../internal/target-agent.js';
import type { TargetReply } from '../internal/target-reply.js';
import { TurnLock } from '../internal/turn-lock.js';
import {
  inputMessage,
  parseOutputMessage,
  preview,
  type TargetInputMessage,
} from '../protocol/target-message.js';

/** How to connect again after the connection dropped (or failed to open). */
export interface WebSocketReconnectConfig {
  /** Connection tries per turn, the first included (default 3). */
  attempts?: number;
  /** Wait before the second try; doubles for each further one (default 250 ms). */
  backoffMs?: number;
}

/** Configuration of a {@link WebSocketAgent}. */
export interface WebSocketAgentConfig extends TargetAgentConfig {
  /** `ws://` or `wss://` endpoint; `${VAR}` is substituted from the environment. */
  url: string;
  /** Handshake headers; `${VAR}` in a value is substituted from the environment. */
  headers?: Readonly<Record<string, string>>;
  /** Limit for a whole turn, connecting included (default 120 000 ms). */
  timeoutMs?: number;
  /** `false`: once the connection is lost, turns fail. Default: reconnect (3 tries, 250 ms backoff). */
  reconnect?: boolean | WebSocketReconnectConfig;
  /** Largest message accepted, in bytes (default 1 MiB). */
  maxMessageBytes?: number;
}

interface TurnListener {
  onMessage(text: string, index: number): void;
  onClose(error: TargetError): void;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * An agent behind a WebSocket, speaking the JSONL message types (`input` out; `delta`, `final`,
 * `error` back) with one JSON message per WebSocket message. One connection serves turn after
 * turn (turns never interleave); a lost connection fails the turn in flight and the next turn
 * connects again.
 *
 * @example
 * ```ts
 * await using agent = new WebSocketAgent({ name: 'live', url: 'ws://localhost:8765/agent' });
 * const runner = new Runner({ appName: 'app', agent, sessionService });
 * ```
 */
export class WebSocketAgent extends TargetAgent implements AsyncDisposable {
  readonly #url: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #reconnect: boolean;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #maxMessageBytes: number;
  readonly #lock = new TurnLock();
  #socket: WebSocket | undefined;
  #listener: TurnListener | undefined;
  #messages = 0;
  #connections = 0;
  #closed = false;

  constructor(config: WebSocketAgentConfig) {
    super('WebSocketAgent', config);
    if (typeof config.url !== 'string' || config.url === '') {
      throw new InvalidArgumentError(`${this.label}: url is required`);
    }
    this.#url = config.url;
    this.#headers = Object.freeze({ ...config.headers });
    this.#timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0)) {
      throw new InvalidArgumentError(`${this.label}: timeoutMs must be a positive number`);
    }
    const reconnect = config.reconnect ?? true;
    this.#reconnect = reconnect !== false;
    this.#attempts = typeof reconnect === 'object' ? (reconnect.attempts ?? 3) : 3;
    this.#backoffMs = typeof reconnect === 'object' ? (reconnect.backoffMs ?? 250) : 250;
    if (!Number.isInteger(this.#attempts) || this.#attempts < 1) {
      throw new InvalidArgumentError(
        `${this.label}: reconnect.attempts must be a positive integer`,
      );
    }
    this.#maxMessageBytes = config.maxMessageBytes ?? 1024 * 1024;
    if (!Number.isInteger(this.#maxMessageBytes) || this.#maxMessageBytes < 1) {
      throw new InvalidArgumentError(`${this.label}: maxMessageBytes must be a positive integer`);
    }
  }

  /** Connections opened so far (1 while one connection has served every turn). */
  get connections(): number {
    return this.#connections;
  }

  /** Closes the connection; later turns fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.terminate(), 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(1000, 'agent closed');
    });
  }

  /** Same as {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  protected async turn(
    context: InvocationContext,
    parentSignal: AbortSignal,
    reply: TargetReply,
  ): Promise<void> {
    const message = inputMessage(context);
    const release = await this.#lock.acquire(parentSignal).catch(() => {
      throw abortError(parentSignal, this.label);
    });
    const { signal, dispose } = turnSignal(parentSignal, this.#timeoutMs, () =>
      this.timeoutError(this.#timeoutMs),
    );
    try {
      const socket = await this.#connection(signal).catch((error: unknown) => {
        throw signal.aborted ? abortError(signal, this.label) : error;
      });
      await this.#exchange(socket, message, signal, reply);
    } catch (error) {
      // A reported error leaves the connection in step; after anything else a late answer
      // could arrive during the next turn, so that turn gets a fresh connection.
      if (!(TargetError.isInstance(error) && error.reportedByTarget)) this.#drop();
      throw error;
    } finally {
      dispose();
      release();
    }
  }

  async #connection(signal: AbortSignal): Promise<WebSocket> {
    if (this.#closed) throw this.closedError();
    const current = this.#socket;
    if (current?.readyState === WebSocket.OPEN) return current;
    if (this.#connections > 0 && !this.#reconnect) {
      throw new TargetError(`${this.label}: the connection was lost and reconnect is off`);
    }
    const url = substituteVariables(this.#url, process.env, `${this.label} url`);
    const headers = substituteRecord(this.#headers, process.env, `${this.label} headers`);
    for (let attempt = 1; ; attempt++) {
      try {
        const socket = await this.#open(url, headers, signal);
        if (this.#closed) {
          // close() ran while this connection was opening: it must not outlive the agent.
          socket.terminate();
          throw this.closedError();
        }
        this.#socket = socket;
        this.#connections += 1;
        this.#messages = 0;
        return socket;
      } catch (error) {
        if (signal.aborted || this.#closed || attempt >= this.#attempts) throw error;
        await abortableDelay(this.#backoffMs * 2 ** (attempt - 1), signal);
      }
    }
  }

  #open(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers, maxPayload: this.#maxMessageBytes });
      const fail = (error: Error): void => {
        signal.removeEventListener('abort', onAbort);
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.terminate();
        reject(error);
      };
      const onAbort = (): void => fail(abortError(signal, this.label));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error) =>
        fail(
          new TargetError(
            `${this.label}: could not connect to ${describeUrl(url)}: ${error.message}`,
            { cause: error },
          ),
        ),
      );
      socket.once('open', () => {
        signal.removeEventListener('abort', onAbort);
        socket.removeAllListeners('error');
        // An error (an oversized message, a protocol violation) is followed by 'close', which
        // reports it.
        let failure: Error | undefined;
        socket.on('error', (error) => (failure ??= error));
        socket.on('message', (data: WebSocket.RawData, isBinary) =>
          this.#onMessage(socket, data, isBinary),
        );
        socket.on('close', (code, reason) =>
          this.#onClose(socket, code, reason.toString(), failure),
        );
        resolve(socket);
      });
    });
  }

  #onMessage(socket: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (socket !== this.#socket) return;
    const index = ++this.#messages;
    const text = isBinary ? '' : rawText(data);
    if (this.#listener) return this.#listener.onMessage(text, index);
    // A message between turns means the peer is out of step: start over on the next turn.
    if (parseOutputMessage(text)?.type !== 'other') this.#drop();
  }

  #onClose(socket: WebSocket, code: number, reason: string, failure: Error | undefined): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    const why = [reason ? preview(reason) : '', failure?.message ?? ''].filter(Boolean).join(', ');
    this.#listener?.onClose(
      new TargetError(
        `${this.label}: the connection closed (code ${code}${why ? `, ${why}` : ''}) before a final message (after message ${this.#messages})`,
        failure ? { cause: failure } : {},
      ),
    );
  }

  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.terminate();
  }

  #exchange(
    socket: WebSocket,
    message: TargetInputMessage,
    signal: AbortSignal,
    reply: TargetReply,
  ): Promise<void> {
    return exchangeMessages({
      reply,
      signal,
      label: this.label,
      peer: 'peer',
      badMessage: (problem) => new TargetError(`${this.label}: ${problem}`),
      open: (listener) => {
        this.#listener = {
          onClose: (error) => listener.fail(error),
          onMessage: (text, index) => listener.message(text, `message ${index}`),
        };
        socket.send(JSON.stringify(message), (error) => {
          if (error) {
            listener.fail(
              new TargetError(`${this.label}: sending failed: ${error.message}`, { cause: error }),
            );
          }
        });
        return () => {
          this.#listener = undefined;
        };
      },
    });
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
